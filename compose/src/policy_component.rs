//! The generated component that serves the compiled policy to the adapters.
//!
//! It is a core module with two functions, wrapped as a component exporting
//! `interpose:policy/source`: `len` returns the length of the policy, `chunk(i)` its `i`-th 8 bytes
//! as a number, picked by a `br_table` from constants in its code. It has no memory, no table and
//! no data, so instantiating it costs next to nothing (a memory is the largest part of
//! instantiating a component). It is plugged into the adapters inside the composed component, so
//! the output gains no import and the policy cannot be changed from outside.

use wasm_encoder::{
    BlockType, CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction,
    Module, TypeSection, ValType,
};
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::Resolve;

/// The interface the adapters import and this component exports.
pub const SOURCE_INTERFACE: &str = "interpose:policy/source@0.1.0";
/// The core functions the component lifts.
const LEN_FUNCTION: &str = "interpose:policy/source@0.1.0#len";
const CHUNK_FUNCTION: &str = "interpose:policy/source@0.1.0#chunk";

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
    componentize(&mut module, &resolve, world)
}

/// A component of a generated core `module` that implements `world` (of `resolve`), validated:
/// the step every generated component (this one, the denial component) ends with.
pub(crate) fn componentize(
    module: &mut Vec<u8>,
    resolve: &Resolve,
    world: wit_parser::WorldId,
) -> Result<Vec<u8>, String> {
    wit_component::embed_component_metadata(module, resolve, world, StringEncoding::UTF8, false)
        .map_err(|e| format!("{e:?}"))?;
    ComponentEncoder::default()
        .module(module)
        .and_then(|e| e.validate(true).encode())
        .map_err(|e| format!("{e:?}"))
}

/// The policy in 8-byte little-endian chunks, the last one padded with zeros.
fn chunks(payload: &[u8]) -> impl Iterator<Item = u64> + '_ {
    payload.chunks(8).map(|chunk| {
        let mut bytes = [0u8; 8];
        bytes[..chunk.len()].copy_from_slice(chunk);
        u64::from_le_bytes(bytes)
    })
}

fn core_module(payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).expect("policies are far smaller than 4 GiB");

    let mut types = TypeSection::new();
    types.ty().function([], [ValType::I32]);
    types.ty().function([ValType::I32], [ValType::I64]);
    let mut functions = FunctionSection::new();
    functions.function(0);
    functions.function(1);
    let mut exports = ExportSection::new();
    exports.export(LEN_FUNCTION, ExportKind::Func, 0);
    exports.export(CHUNK_FUNCTION, ExportKind::Func, 1);

    let mut code = CodeSection::new();
    let mut len_body = Function::new([]);
    len_body.instruction(&Instruction::I32Const(len as i32));
    len_body.instruction(&Instruction::End);
    code.function(&len_body);

    // block $past_end
    //   block $chunk(n-1) ... block $chunk0
    //     local.get 0
    //     br_table $chunk0 .. $chunk(n-1) $past_end
    //   end  i64.const chunk0  return
    //   ...
    //   end  i64.const chunk(n-1)  return
    // end
    // i64.const 0
    let values: Vec<u64> = chunks(payload).collect();
    let count = values.len() as u32;
    let mut chunk_body = Function::new([]);
    for _ in 0..=count {
        chunk_body.instruction(&Instruction::Block(BlockType::Empty));
    }
    chunk_body.instruction(&Instruction::LocalGet(0));
    chunk_body.instruction(&Instruction::BrTable((0..count).collect(), count));
    for value in values {
        chunk_body.instruction(&Instruction::End);
        chunk_body.instruction(&Instruction::I64Const(value as i64));
        chunk_body.instruction(&Instruction::Return);
    }
    chunk_body.instruction(&Instruction::End);
    chunk_body.instruction(&Instruction::I64Const(0));
    chunk_body.instruction(&Instruction::End);
    code.function(&chunk_body);

    let mut module = Module::new();
    module
        .section(&types)
        .section(&functions)
        .section(&exports)
        .section(&code);
    module.finish()
}

/// Finds the policy served by a policy component nested anywhere in `component`, as `inspect`
/// needs it: read back from the constants in the code of the core module exporting
/// [`CHUNK_FUNCTION`].
pub fn find_payload(component: &[u8]) -> Option<Vec<u8>> {
    use wasmparser::{Operator, Parser, Payload};
    // Core modules appear in order, nested or not; track whether the current one is ours.
    let mut is_policy_module = false;
    let mut bodies: Vec<Vec<i64>> = Vec::new();
    for payload in Parser::new(0).parse_all(component) {
        match payload.ok()? {
            Payload::ModuleSection { .. } => {
                is_policy_module = false;
                bodies.clear();
            }
            Payload::ExportSection(reader) => {
                for export in reader.into_iter().flatten() {
                    if export.name == CHUNK_FUNCTION {
                        is_policy_module = true;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut constants = Vec::new();
                for operator in body.get_operators_reader().ok()? {
                    match operator.ok()? {
                        Operator::I32Const { value } => constants.push(i64::from(value)),
                        Operator::I64Const { value } => constants.push(value),
                        _ => {}
                    }
                }
                bodies.push(constants);
            }
            Payload::End(_) if is_policy_module && bodies.len() == 2 => {
                let len = usize::try_from(*bodies[0].first()?).ok()?;
                // The chunks, then the 0 returned past the end.
                let mut bytes: Vec<u8> = bodies[1]
                    .iter()
                    .flat_map(|value| (*value as u64).to_le_bytes())
                    .collect();
                if bytes.len() < len {
                    return None;
                }
                bytes.truncate(len);
                return Some(bytes);
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_reads_back_from_the_generated_component() {
        for len in [0, 1, 7, 8, 9, 1000] {
            let payload: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let component = build(&payload).unwrap();
            assert_eq!(find_payload(&component), Some(payload), "{len} bytes");
        }
    }
}
