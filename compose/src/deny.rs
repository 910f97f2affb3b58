//! The denial component of a composition: one component exporting every interface the policy
//! denies to the app, importing nothing it denies.
//!
//! It is made for each composition from the WIT of the deniable interfaces
//! ([`interpose_adapters::DENY_WIT`]), so it exports exactly what that composition denies. Each
//! function answers as [`interpose_adapters::DENIABLE`] says for its interface:
//!
//! - the denial error where its `result` has one ([`interpose_adapters::DENIAL_ERRORS`]):
//!   `access-denied` for a socket, `HTTP-request-denied` for a request, `access` for a file;
//! - for [`Answer::Neutral`] interfaces, a neutral value: empty, `none`, zero, the first case,
//!   `ok` with a neutral payload, or a fresh resource of its own (an HTTP request that can be
//!   built, then is refused when sent);
//! - otherwise a trap, after one line on stderr naming the function and the policy key, written
//!   by the separate `deny-report` component so that its host stream never meets the app's.
//!
//! Arguments are never read: strings and lists the caller passes land in a scratch area.

use std::collections::BTreeMap;

use interpose_adapters::{Answer, DENIAL_ERRORS, Deniable};
use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection, Function,
    FunctionSection, GlobalSection, GlobalType, ImportSection, Instruction, MemArg, MemorySection,
    MemoryType, Module, TypeSection, ValType,
};
use wit_component::DecodedWasm;
use wit_parser::abi::{AbiVariant, WasmType};
use wit_parser::{
    Function as WitFunction, FunctionKind, Handle, Int, LiftLowerAbi, ManglingAndAbi, Resolve,
    ResourceIntrinsic, SizeAlign, Type, TypeDefKind, TypeId, TypeOwner, WasmExport, WasmExportKind,
    WasmImport, WorldId, WorldItem, WorldKey,
};

/// The interface through which the denial component reports, served by
/// [`interpose_adapters::DENY_REPORT`].
pub use interpose_adapters::REPORT_INTERFACE;

const MANGLING: ManglingAndAbi = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);
/// Where the messages start; below it nothing.
const MESSAGES: u32 = 8;
const PAGE: u32 = 65536;

/// Makes the denial component exporting `denied`.
pub fn build(denied: &[&'static Deniable]) -> Result<Vec<u8>, String> {
    let (resolve, world) = denied_world(denied)?;
    let mut module = Generator::new(&resolve, world, denied)?.module();
    crate::policy_component::componentize(&mut module, &resolve, world)
}

/// The WIT of the denial component exporting `denied`.
fn denied_world(denied: &[&'static Deniable]) -> Result<(Resolve, WorldId), String> {
    let decoded =
        wit_component::decode(interpose_adapters::DENY_WIT).map_err(|e| format!("{e:?}"))?;
    let DecodedWasm::WitPackage(mut resolve, _) = decoded else {
        return Err("the denial WIT is not a WIT package".into());
    };
    let source =
        interpose_adapters::denial_world("interpose:denied", "denied", denied.iter().copied());
    let package = resolve
        .push_str("denied.wit", &source)
        .map_err(|e| format!("{e:?}"))?;
    let world = resolve
        .select_world(&[package], Some("denied"))
        .map_err(|e| format!("{e:?}"))?;
    Ok((resolve, world))
}

/// What a denied function answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// The interface, without version.
    pub interface: &'static str,
    /// The WASI version the denial component exports it at.
    pub version: &'static str,
    /// The function as WIT names it (`[method]fields.get`).
    pub function: String,
    /// The answer, in words: `` `err(access-denied)` ``, `` `none` ``, or that it stops the app.
    pub answer: String,
}

/// Every deniable function and its answer, in the order of [`interpose_adapters::DENIABLE`]:
/// the table in `docs/policy.md`.
pub fn answers() -> Result<Vec<Answered>, String> {
    let all: Vec<&'static Deniable> = interpose_adapters::DENIABLE.iter().collect();
    let (resolve, world) = denied_world(&all)?;
    let generator = Generator::new(&resolve, world, &all)?;
    Ok(generator.exports.into_iter().map(|e| e.answered).collect())
}

/// A value written at an offset of a function's return area.
#[derive(Debug, Clone, Copy)]
struct Store {
    offset: u32,
    /// 1, 2, 4 or 8 bytes.
    width: u8,
    value: Leaf,
}

#[derive(Debug, Clone, Copy)]
enum Leaf {
    Const(u64),
    /// A fresh handle of a resource the denial component exports.
    New(TypeId),
}

/// What one exported function does.
enum Body {
    /// Report, then trap: the message's offset and length.
    Trap(u32, u32),
    /// Returns this value (all zeros but the stores).
    Value(Vec<Store>),
}

struct Export {
    name: String,
    params: Vec<ValType>,
    results: Vec<ValType>,
    /// Whether the value goes through the return area.
    retptr: bool,
    size: u32,
    body: Body,
    /// Owned handles of host resources among the parameters, to drop: (parameter index,
    /// resource).
    drops: Vec<(u32, TypeId)>,
    answered: Answered,
}

struct Generator<'a> {
    resolve: &'a Resolve,
    world: WorldId,
    sizes: SizeAlign,
    messages: Vec<u8>,
    exports: Vec<Export>,
}

impl<'a> Generator<'a> {
    fn new(resolve: &'a Resolve, world: WorldId, denied: &[&Deniable]) -> Result<Self, String> {
        let mut sizes = SizeAlign::default();
        sizes.fill(resolve).map_err(|e| format!("{e:?}"))?;
        let mut generator = Generator {
            resolve,
            world,
            sizes,
            messages: Vec::new(),
            exports: Vec::new(),
        };
        for (key, item) in &resolve.worlds[world].exports {
            let WorldItem::Interface { id, .. } = item else {
                continue;
            };
            let name = resolve.name_world_key(key);
            let deniable = denied
                .iter()
                .find(|d| format!("{}@{}", d.interface, d.version) == name)
                .ok_or_else(|| format!("{name} is exported but not denied"))?;
            for func in resolve.interfaces[*id].functions.values() {
                let export = generator.export(key, func, deniable);
                generator.exports.push(export);
            }
        }
        Ok(generator)
    }

    fn export(&mut self, key: &WorldKey, func: &WitFunction, deniable: &Deniable) -> Export {
        let signature = self.resolve.wasm_signature(AbiVariant::GuestExport, func);
        let name = self.resolve.wasm_export_name(
            MANGLING,
            WasmExport::Func {
                interface: Some(key),
                func,
                kind: WasmExportKind::Normal,
            },
        );
        let answered = |answer: String| Answered {
            interface: deniable.interface,
            version: deniable.version,
            function: func.name.clone(),
            answer,
        };
        let (body, answered) = match self.answer(func, deniable.answer) {
            Some(stores) => {
                let words = match &func.result {
                    None => "returns, doing nothing".to_owned(),
                    Some(ty) => format!("`{}`", self.describe(ty)),
                };
                (Body::Value(stores), answered(words))
            }
            None => {
                let message = format!(
                    "interpose: the policy denies `{}` (key `{}`), and {} has nothing to answer \
                     with, so the app is stopped\n",
                    deniable.interface,
                    deniable.key,
                    readable(func)
                );
                let at = MESSAGES + self.messages.len() as u32;
                self.messages.extend_from_slice(message.as_bytes());
                let words = format!(
                    "stops the app, after a line on stderr naming `{}`",
                    deniable.key
                );
                (Body::Trap(at, message.len() as u32), answered(words))
            }
        };
        let size = func
            .result
            .as_ref()
            .map_or(0, |ty| self.sizes.size(ty).size_wasm32() as u32);
        let drops = if signature.indirect_params {
            Vec::new()
        } else {
            self.host_handles_among_params(func)
        };
        Export {
            name,
            params: signature.params.iter().map(val_type).collect(),
            results: signature.results.iter().map(val_type).collect(),
            retptr: signature.retptr,
            size,
            body,
            drops,
            answered,
        }
    }

    /// The stores of `func`'s answer, or `None` to trap.
    fn answer(&self, func: &WitFunction, answer: Answer) -> Option<Vec<Store>> {
        if answer == Answer::Trap {
            return None;
        }
        let Some(ty) = &func.result else {
            return (answer == Answer::Neutral).then(Vec::new);
        };
        if let Some(denial) = self.denial(ty) {
            return Some(denial);
        }
        match answer {
            Answer::Neutral => self.neutral(ty),
            _ => None,
        }
    }

    /// `err(<denial case>)` if `ty` is a `result` whose error type has one.
    fn denial(&self, ty: &Type) -> Option<Vec<Store>> {
        let TypeDefKind::Result(result) = &self.resolve.types[self.unalias(ty)?].kind else {
            return None;
        };
        let error = result.err.as_ref()?;
        let case = self.denial_case(error)?;
        let (tag, index) = self.case_index(error, case)?;
        let payload = self.payload_offset(Int::U8, [result.ok.as_ref(), result.err.as_ref()]);
        Some(vec![
            discriminant(0, Int::U8, 1),
            discriminant(payload, tag, index),
        ])
    }

    /// The case [`DENIAL_ERRORS`] names for `error` or a type it aliases.
    fn denial_case(&self, error: &Type) -> Option<&'static str> {
        let mut ty = *error;
        while let Type::Id(id) = ty {
            let def = &self.resolve.types[id];
            if let (Some(name), TypeOwner::Interface(interface)) = (&def.name, def.owner) {
                let interface = self.resolve.id_of(interface).unwrap_or_default();
                let interface = interface
                    .split_once('@')
                    .map_or(interface.as_str(), |(i, _)| i);
                if let Some((_, _, case)) = DENIAL_ERRORS
                    .iter()
                    .find(|(i, n, _)| *i == interface && n == name)
                {
                    return Some(case);
                }
            }
            match def.kind {
                TypeDefKind::Type(next) => ty = next,
                _ => return None,
            }
        }
        None
    }

    /// The tag width and index of `case` in the variant or enum `ty`.
    fn case_index(&self, ty: &Type, case: &str) -> Option<(Int, u64)> {
        match &self.resolve.types[self.unalias(ty)?].kind {
            TypeDefKind::Variant(v) => {
                let index = v.cases.iter().position(|c| c.name == case)?;
                Some((v.tag(), index as u64))
            }
            TypeDefKind::Enum(e) => {
                let index = e.cases.iter().position(|c| c.name == case)?;
                Some((e.tag(), index as u64))
            }
            _ => None,
        }
    }

    /// A neutral value of `ty`, if it has one.
    fn neutral(&self, ty: &Type) -> Option<Vec<Store>> {
        let Some(id) = self.unalias(ty) else {
            // Numbers, characters, strings: zero, NUL, empty.
            return Some(Vec::new());
        };
        match &self.resolve.types[id].kind {
            TypeDefKind::Record(record) => {
                self.fields(record.fields.iter().map(|f| &f.ty).collect())
            }
            TypeDefKind::Tuple(tuple) => self.fields(tuple.types.iter().collect()),
            TypeDefKind::Flags(_)
            | TypeDefKind::Enum(_)
            | TypeDefKind::Option(_)
            | TypeDefKind::List(_)
            | TypeDefKind::Map(..) => Some(Vec::new()),
            TypeDefKind::Result(result) => {
                let payload =
                    self.payload_offset(Int::U8, [result.ok.as_ref(), result.err.as_ref()]);
                let ok = match &result.ok {
                    None => Some(Vec::new()),
                    Some(ok) => self.neutral(ok).map(|s| shifted(s, payload)),
                };
                ok.or_else(|| {
                    let err = match &result.err {
                        None => Vec::new(),
                        Some(err) => shifted(self.neutral(err)?, payload),
                    };
                    Some([vec![discriminant(0, Int::U8, 1)], err].concat())
                })
            }
            TypeDefKind::Variant(variant) => {
                let payload =
                    self.payload_offset(variant.tag(), variant.cases.iter().map(|c| c.ty.as_ref()));
                variant.cases.iter().enumerate().find_map(|(index, case)| {
                    let stores = match &case.ty {
                        None => Vec::new(),
                        Some(ty) => shifted(self.neutral(ty)?, payload),
                    };
                    Some([vec![discriminant(0, variant.tag(), index as u64)], stores].concat())
                })
            }
            TypeDefKind::Handle(Handle::Own(resource)) => {
                let resource = self.unalias(&Type::Id(*resource))?;
                self.exported_interface_of(resource)?;
                Some(vec![Store {
                    offset: 0,
                    width: 4,
                    value: Leaf::New(resource),
                }])
            }
            _ => None,
        }
    }

    /// The value [`Self::denial`] or [`Self::neutral`] gives for `ty`, in WIT's words.
    fn describe(&self, ty: &Type) -> String {
        if let Some(id) = self.unalias(ty)
            && let TypeDefKind::Result(result) = &self.resolve.types[id].kind
            && let Some(error) = &result.err
            && let Some(case) = self.denial_case(error)
        {
            return format!("err({case})");
        }
        let Some(id) = self.unalias(ty) else {
            return match ty {
                Type::String => "\"\"".to_owned(),
                Type::Bool => "false".to_owned(),
                _ => "0".to_owned(),
            };
        };
        let def = &self.resolve.types[id];
        match &def.kind {
            TypeDefKind::Record(_) | TypeDefKind::Tuple(_) => "all fields zero or empty".to_owned(),
            TypeDefKind::Flags(_) => "no flags".to_owned(),
            TypeDefKind::Enum(e) => e.cases[0].name.clone(),
            TypeDefKind::Option(_) => "none".to_owned(),
            TypeDefKind::List(_) | TypeDefKind::Map(..) => "[]".to_owned(),
            TypeDefKind::Result(result) => match &result.ok {
                None => "ok".to_owned(),
                Some(ok) if self.neutral(ok).is_some() => format!("ok({})", self.describe(ok)),
                Some(_) => match &result.err {
                    None => "err".to_owned(),
                    Some(err) => format!("err({})", self.describe(err)),
                },
            },
            TypeDefKind::Variant(variant) => {
                let case = variant
                    .cases
                    .iter()
                    .find(|c| c.ty.as_ref().is_none_or(|t| self.neutral(t).is_some()))
                    .expect("a neutral value exists");
                match &case.ty {
                    None => case.name.clone(),
                    Some(ty) => format!("{}({})", case.name, self.describe(ty)),
                }
            }
            TypeDefKind::Handle(Handle::Own(resource)) => {
                let resource = self.unalias(&Type::Id(*resource)).unwrap_or(*resource);
                let name = self.resolve.types[resource].name.as_deref().unwrap_or("?");
                format!("new {name}")
            }
            _ => "?".to_owned(),
        }
    }

    fn fields(&self, types: Vec<&Type>) -> Option<Vec<Store>> {
        let mut stores = Vec::new();
        for (offset, ty) in self.sizes.field_offsets(types) {
            stores.extend(shifted(self.neutral(ty)?, offset.size_wasm32() as u32));
        }
        Some(stores)
    }

    fn payload_offset<'t>(
        &self,
        tag: Int,
        cases: impl IntoIterator<Item = Option<&'t Type>>,
    ) -> u32 {
        self.sizes.payload_offset(tag, cases).size_wasm32() as u32
    }

    /// The type `ty` names, through aliases; `None` for a primitive.
    fn unalias(&self, ty: &Type) -> Option<TypeId> {
        let mut ty = *ty;
        loop {
            let Type::Id(id) = ty else {
                return None;
            };
            match self.resolve.types[id].kind {
                TypeDefKind::Type(next) => ty = next,
                _ => return Some(id),
            }
        }
    }

    /// The world key of the exported interface defining `resource`, if exported.
    fn exported_interface_of(&self, resource: TypeId) -> Option<&'a WorldKey> {
        let world = &self.resolve.worlds[self.world];
        self.interface_key(resource, world.exports.iter())
    }

    fn imported_interface_of(&self, resource: TypeId) -> Option<&'a WorldKey> {
        let world = &self.resolve.worlds[self.world];
        self.interface_key(resource, world.imports.iter())
    }

    fn interface_key(
        &self,
        resource: TypeId,
        mut items: impl Iterator<Item = (&'a WorldKey, &'a WorldItem)>,
    ) -> Option<&'a WorldKey> {
        let TypeOwner::Interface(owner) = self.resolve.types[resource].owner else {
            return None;
        };
        items.find_map(|(key, item)| match item {
            WorldItem::Interface { id, .. } if *id == owner => Some(key),
            _ => None,
        })
    }

    /// Owned host resources passed to `func` (a denied request sent anyway): dropped, so that
    /// refusing does not leak them.
    fn host_handles_among_params(&self, func: &WitFunction) -> Vec<(u32, TypeId)> {
        let mut drops = Vec::new();
        let mut index = 0;
        for param in &func.params {
            if let Some(id) = self.unalias(&param.ty)
                && let TypeDefKind::Handle(Handle::Own(resource)) = self.resolve.types[id].kind
                && let Some(resource) = self.unalias(&Type::Id(resource))
                && self.exported_interface_of(resource).is_none()
                && self.imported_interface_of(resource).is_some()
            {
                drops.push((index, resource));
            }
            index += self.flat_count(&param.ty);
        }
        drops
    }

    fn flat_count(&self, ty: &Type) -> u32 {
        let Some(id) = self.unalias(ty) else {
            return if *ty == Type::String { 2 } else { 1 };
        };
        let max = |types: &mut dyn Iterator<Item = Option<&Type>>| {
            types
                .map(|t| t.map_or(0, |t| self.flat_count(t)))
                .max()
                .unwrap_or(0)
        };
        match &self.resolve.types[id].kind {
            TypeDefKind::Record(r) => r.fields.iter().map(|f| self.flat_count(&f.ty)).sum(),
            TypeDefKind::Tuple(t) => t.types.iter().map(|t| self.flat_count(t)).sum(),
            TypeDefKind::Flags(f) => match f.repr() {
                wit_parser::FlagsRepr::U32(n) => n as u32,
                _ => 1,
            },
            TypeDefKind::Variant(v) => 1 + max(&mut v.cases.iter().map(|c| c.ty.as_ref())),
            TypeDefKind::Option(t) => 1 + self.flat_count(t),
            TypeDefKind::Result(r) => 1 + max(&mut [r.ok.as_ref(), r.err.as_ref()].into_iter()),
            TypeDefKind::List(_) | TypeDefKind::Map(..) => 2,
            TypeDefKind::FixedLengthList(t, n) => self.flat_count(t) * n,
            TypeDefKind::Resource | TypeDefKind::Unknown => 0,
            _ => 1,
        }
    }

    /// The core module.
    fn module(&self) -> Vec<u8> {
        let mut types = Types::default();
        let mut imports = ImportSection::new();
        let mut import_count = 0;
        // Imported functions first: the report, then resource intrinsics as the bodies need them.
        let (report_module, report_name) = ("interpose:adapters/deny-report@0.1.0", "report");
        imports.import(
            report_module,
            report_name,
            EntityType::Function(types.get(&[ValType::I32, ValType::I32], &[])),
        );
        let report = import_count;
        import_count += 1;
        let mut resource_new = BTreeMap::new();
        let mut resource_drop = BTreeMap::new();
        for export in &self.exports {
            if let Body::Value(stores) = &export.body {
                for store in stores {
                    if let Leaf::New(resource) = store.value
                        && !resource_new.contains_key(&resource)
                    {
                        let key = self.exported_interface_of(resource).expect("exported");
                        let (module, name) = self.resolve.wasm_import_name(
                            MANGLING,
                            WasmImport::ResourceIntrinsic {
                                interface: Some(key),
                                resource,
                                intrinsic: ResourceIntrinsic::ExportedNew,
                            },
                        );
                        let ty = types.get(&[ValType::I32], &[ValType::I32]);
                        imports.import(&module, &name, EntityType::Function(ty));
                        resource_new.insert(resource, import_count);
                        import_count += 1;
                    }
                }
            }
            for (_, resource) in &export.drops {
                if resource_drop.contains_key(resource) {
                    continue;
                }
                let key = self.imported_interface_of(*resource).expect("imported");
                let (module, name) = self.resolve.wasm_import_name(
                    MANGLING,
                    WasmImport::ResourceIntrinsic {
                        interface: Some(key),
                        resource: *resource,
                        intrinsic: ResourceIntrinsic::ImportedDrop,
                    },
                );
                let ty = types.get(&[ValType::I32], &[]);
                imports.import(&module, &name, EntityType::Function(ty));
                resource_drop.insert(*resource, import_count);
                import_count += 1;
            }
        }

        // Memory: messages, then one return area (calls do not overlap), then the scratch area
        // where arguments land.
        let return_area = align8(MESSAGES + self.messages.len() as u32);
        let largest = self.exports.iter().map(|e| e.size).max().unwrap_or(0);
        let scratch = align8(return_area + largest);
        let pages = u64::from(scratch / PAGE + 1);

        let mut functions = FunctionSection::new();
        let mut code = CodeSection::new();
        let mut exports = ExportSection::new();
        let mut next = import_count;

        // fail(message, length): report, then trap.
        functions.function(types.get(&[ValType::I32, ValType::I32], &[]));
        let fail = next;
        next += 1;
        let mut body = Function::new([]);
        body.instruction(&Instruction::LocalGet(0));
        body.instruction(&Instruction::LocalGet(1));
        body.instruction(&Instruction::Call(report));
        body.instruction(&Instruction::Unreachable);
        body.instruction(&Instruction::End);
        code.function(&body);

        // cabi_realloc: always the scratch area, grown as needed; nothing there is ever read.
        functions.function(types.get(&[ValType::I32; 4], &[ValType::I32]));
        exports.export("cabi_realloc", ExportKind::Func, next);
        next += 1;
        code.function(&realloc(scratch));

        for export in &self.exports {
            functions.function(types.get(&export.params, &export.results));
            exports.export(&export.name, ExportKind::Func, next);
            next += 1;
            let mut body = Function::new([]);
            for (param, resource) in &export.drops {
                body.instruction(&Instruction::LocalGet(*param));
                body.instruction(&Instruction::Call(resource_drop[resource]));
            }
            match &export.body {
                Body::Trap(at, len) => {
                    body.instruction(&Instruction::I32Const(*at as i32));
                    body.instruction(&Instruction::I32Const(*len as i32));
                    body.instruction(&Instruction::Call(fail));
                    body.instruction(&Instruction::Unreachable);
                }
                Body::Value(stores) if export.retptr => {
                    body.instruction(&Instruction::I32Const(return_area as i32));
                    body.instruction(&Instruction::I32Const(0));
                    body.instruction(&Instruction::I32Const(export.size as i32));
                    body.instruction(&Instruction::MemoryFill(0));
                    for store in stores {
                        body.instruction(&Instruction::I32Const(
                            (return_area + store.offset) as i32,
                        ));
                        leaf(&mut body, store.value, store.width == 8, &resource_new);
                        let memarg = MemArg {
                            offset: 0,
                            align: 0,
                            target: wasm_encoder::MemArgTarget::Memory(0),
                            ordering: None,
                        };
                        body.instruction(&match store.width {
                            1 => Instruction::I32Store8(memarg),
                            2 => Instruction::I32Store16(memarg),
                            4 => Instruction::I32Store(memarg),
                            _ => Instruction::I64Store(memarg),
                        });
                    }
                    body.instruction(&Instruction::I32Const(return_area as i32));
                }
                Body::Value(stores) => {
                    // At most one flat result: its one leaf, or zero.
                    if let Some(result) = export.results.first() {
                        match stores.first() {
                            Some(store) => leaf(
                                &mut body,
                                store.value,
                                *result == ValType::I64,
                                &resource_new,
                            ),
                            None => {
                                body.instruction(&match result {
                                    ValType::I64 => Instruction::I64Const(0),
                                    ValType::F32 => Instruction::F32Const(0.0.into()),
                                    ValType::F64 => Instruction::F64Const(0.0.into()),
                                    _ => Instruction::I32Const(0),
                                });
                            }
                        }
                    }
                }
            }
            body.instruction(&Instruction::End);
            code.function(&body);
        }

        let mut memories = MemorySection::new();
        memories.memory(MemoryType {
            minimum: pages,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        exports.export("memory", ExportKind::Memory, 0);
        let mut data = DataSection::new();
        data.active(
            0,
            &ConstExpr::i32_const(MESSAGES as i32),
            self.messages.iter().copied(),
        );

        let mut globals = GlobalSection::new();
        globals.global(
            GlobalType {
                val_type: ValType::I32,
                mutable: true,
                shared: false,
            },
            &ConstExpr::i32_const(1),
        );

        let mut module = Module::new();
        module.section(&types.section);
        module.section(&imports);
        module.section(&functions);
        module.section(&memories);
        module.section(&globals);
        module.section(&exports);
        module.section(&code);
        module.section(&data);
        module.finish()
    }
}

/// Pushes a leaf's value: a constant (as i64 if `wide`) or a fresh handle.
fn leaf(body: &mut Function, leaf: Leaf, wide: bool, resource_new: &BTreeMap<TypeId, u32>) {
    match leaf {
        Leaf::Const(value) if wide => body.instruction(&Instruction::I64Const(value as i64)),
        Leaf::Const(value) => body.instruction(&Instruction::I32Const(value as i32)),
        Leaf::New(resource) => {
            // Each resource gets its own representation, counting from 1 (jco takes 0 for a free
            // slot): the next one is kept in global 0.
            body.instruction(&Instruction::GlobalGet(0));
            body.instruction(&Instruction::GlobalGet(0));
            body.instruction(&Instruction::I32Const(1));
            body.instruction(&Instruction::I32Add);
            body.instruction(&Instruction::GlobalSet(0));
            body.instruction(&Instruction::Call(resource_new[&resource]))
        }
    };
}

/// `cabi_realloc(old, old_size, align, size)`: the scratch area, grown to hold `size` bytes.
fn realloc(scratch: u32) -> Function {
    let mut body = Function::new([]);
    let end = |body: &mut Function| {
        body.instruction(&Instruction::LocalGet(3));
        body.instruction(&Instruction::I32Const(scratch as i32));
        body.instruction(&Instruction::I32Add);
    };
    end(&mut body);
    body.instruction(&Instruction::MemorySize(0));
    body.instruction(&Instruction::I32Const(16));
    body.instruction(&Instruction::I32Shl);
    body.instruction(&Instruction::I32GtU);
    body.instruction(&Instruction::If(wasm_encoder::BlockType::Empty));
    end(&mut body);
    body.instruction(&Instruction::I32Const((PAGE - 1) as i32));
    body.instruction(&Instruction::I32Add);
    body.instruction(&Instruction::I32Const(16));
    body.instruction(&Instruction::I32ShrU);
    body.instruction(&Instruction::MemorySize(0));
    body.instruction(&Instruction::I32Sub);
    body.instruction(&Instruction::MemoryGrow(0));
    body.instruction(&Instruction::I32Const(-1));
    body.instruction(&Instruction::I32Eq);
    body.instruction(&Instruction::If(wasm_encoder::BlockType::Empty));
    body.instruction(&Instruction::Unreachable);
    body.instruction(&Instruction::End);
    body.instruction(&Instruction::End);
    body.instruction(&Instruction::I32Const(scratch as i32));
    body.instruction(&Instruction::End);
    body
}

/// Function types, each once.
#[derive(Default)]
struct Types {
    section: TypeSection,
    indices: BTreeMap<(Vec<u8>, Vec<u8>), u32>,
}

impl Types {
    fn get(&mut self, params: &[ValType], results: &[ValType]) -> u32 {
        let key = (code(params), code(results));
        if let Some(index) = self.indices.get(&key) {
            return *index;
        }
        let index = self.section.len();
        self.section
            .ty()
            .function(params.iter().copied(), results.iter().copied());
        self.indices.insert(key, index);
        index
    }
}

fn code(types: &[ValType]) -> Vec<u8> {
    types
        .iter()
        .map(|t| match t {
            ValType::I32 => 0,
            ValType::I64 => 1,
            ValType::F32 => 2,
            ValType::F64 => 3,
            _ => 4,
        })
        .collect()
}

fn val_type(ty: &WasmType) -> ValType {
    match ty {
        WasmType::I64 | WasmType::PointerOrI64 => ValType::I64,
        WasmType::F32 => ValType::F32,
        WasmType::F64 => ValType::F64,
        WasmType::I32 | WasmType::Pointer | WasmType::Length => ValType::I32,
    }
}

fn discriminant(offset: u32, tag: Int, value: u64) -> Store {
    Store {
        offset,
        width: match tag {
            Int::U8 => 1,
            Int::U16 => 2,
            Int::U32 => 4,
            Int::U64 => 8,
        },
        value: Leaf::Const(value),
    }
}

fn shifted(stores: Vec<Store>, by: u32) -> Vec<Store> {
    stores
        .into_iter()
        .map(|s| Store {
            offset: s.offset + by,
            ..s
        })
        .collect()
}

fn align8(n: u32) -> u32 {
    n.div_ceil(8) * 8
}

/// `now()`, `fields.get()`, `[constructor]fields` as `fields()`.
fn readable(func: &WitFunction) -> String {
    match &func.kind {
        FunctionKind::Method(_) | FunctionKind::Static(_) => {
            let name = func
                .name
                .split_once(']')
                .map_or(func.name.as_str(), |(_, n)| n);
            format!("{name}()")
        }
        FunctionKind::Constructor(_) => {
            let name = func
                .name
                .split_once(']')
                .map_or(func.name.as_str(), |(_, n)| n);
            format!("the {name} constructor")
        }
        _ => format!("{}()", func.name),
    }
}

#[cfg(test)]
mod tests {
    /// Every row at once, 0.2 and 0.3: the generated module lifts into a valid component (the
    /// encoder validates it), whatever types the rows' functions take and return.
    #[test]
    fn the_denial_component_of_every_row_builds() {
        let all: Vec<_> = interpose_adapters::DENIABLE.iter().collect();
        let component = super::build(&all).unwrap();
        let mut validator =
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
        validator.validate_all(&component).unwrap();
    }
}
