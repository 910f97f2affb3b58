(component
  (import "wasi:clocks/timezone@0.3.2" (instance))
  (instance $e0)
  (export "wasi:cli/run@0.3.2" (instance $e0))
)
