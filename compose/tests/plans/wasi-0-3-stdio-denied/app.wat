(component
  (import "wasi:cli/stdin@0.3.2" (instance))
  (import "wasi:cli/stdout@0.3.2" (instance))
  (import "wasi:cli/stderr@0.3.2" (instance))
  (import "wasi:cli/terminal-stdin@0.3.2" (instance))
  (import "wasi:cli/terminal-stderr@0.3.2" (instance))
  (instance $e0)
  (export "wasi:cli/run@0.3.2" (instance $e0))
)
