//! The generated component that serves the compiled policy to the adapters.
//!
//! It is a core module with one memory holding the bytes and one function returning them, wrapped
//! as a component exporting `interpose:policy/source`. It is plugged into the adapters inside the
//! composed component, so the output gains no import and the policy cannot be changed from outside.

use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, ExportKind, ExportSection, Function, FunctionSection,
    Instruction, MemorySection, MemoryType, Module, TypeSection, ValType,
};
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::Resolve;

/// The interface the adapters import and this component exports.
pub const SOURCE_INTERFACE: &str = "interpose:policy/source@0.1.0";
/// The core function the component lifts.
const FUNCTION: &str = "interpose:policy/source@0.1.0#policy";
/// Where the return area (pointer, length) lives; the bytes follow it.
const RETURN_AREA: u32 = 8;
const PAYLOAD: u32 = 16;

const SOURCE_WIT: &str = include_str!("../../wit/deps/interpose-policy/source.wit");
const WORLD_WIT: &str = "package interpose:generated;\n\
                         world policy { export interpose:policy/source@0.1.0; }\n";

/// Builds the policy component serving `payload`.
pub fn build(payload: &[u8]) -> Result<Vec<u8>, String> {
    let mut module = core_module(payload);
    let mut resolve = Resolve::default();
    resolve
        .push_str("source.wit", SOURCE_WIT)
        .map_err(|e| format!("{e:?}"))?;
    let package = resolve
        .push_str("world.wit", WORLD_WIT)
        .map_err(|e| format!("{e:?}"))?;
    let world = resolve
        .select_world(&[package], Some("policy"))
        .map_err(|e| format!("{e:?}"))?;
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        StringEncoding::UTF8,
        false,
    )
    .map_err(|e| format!("{e:?}"))?;
    ComponentEncoder::default()
        .module(&module)
        .and_then(|e| e.validate(true).encode())
        .map_err(|e| format!("{e:?}"))
}

fn core_module(payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).expect("policies are far smaller than 4 GiB");
    let pages = u64::from((PAYLOAD + len).div_ceil(65536)).max(1);

    let mut types = TypeSection::new();
    types.ty().function([], [ValType::I32]);
    let mut functions = FunctionSection::new();
    functions.function(0);
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: pages,
        maximum: Some(pages),
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    exports.export(FUNCTION, ExportKind::Func, 0);
    let mut code = CodeSection::new();
    let mut body = Function::new([]);
    body.instruction(&Instruction::I32Const(RETURN_AREA as i32));
    body.instruction(&Instruction::End);
    code.function(&body);
    let mut data = DataSection::new();
    let mut return_area = PAYLOAD.to_le_bytes().to_vec();
    return_area.extend(len.to_le_bytes());
    data.active(0, &ConstExpr::i32_const(RETURN_AREA as i32), return_area);
    data.active(
        0,
        &ConstExpr::i32_const(PAYLOAD as i32),
        payload.iter().copied(),
    );

    let mut module = Module::new();
    module
        .section(&types)
        .section(&functions)
        .section(&memories)
        .section(&exports)
        .section(&code)
        .section(&data);
    module.finish()
}

/// Finds the policy served by a policy component nested anywhere in `component`, as `inspect`
/// needs it: the payload of the core module exporting [`FUNCTION`].
pub fn find_payload(component: &[u8]) -> Option<Vec<u8>> {
    use wasmparser::{DataKind, Parser, Payload};
    // Core modules appear in order, nested or not; track whether the current one is ours.
    let mut is_policy_module = false;
    let mut segments: Vec<Vec<u8>> = Vec::new();
    for payload in Parser::new(0).parse_all(component) {
        match payload.ok()? {
            Payload::ModuleSection { .. } => {
                is_policy_module = false;
                segments.clear();
            }
            Payload::ExportSection(reader) => {
                for export in reader.into_iter().flatten() {
                    if export.name == FUNCTION {
                        is_policy_module = true;
                    }
                }
            }
            Payload::DataSection(reader) => {
                for segment in reader.into_iter().flatten() {
                    if let DataKind::Active { .. } = segment.kind {
                        segments.push(segment.data.to_vec());
                    }
                }
            }
            Payload::End(_) if is_policy_module && segments.len() == 2 => {
                return segments.pop();
            }
            _ => {}
        }
    }
    None
}
