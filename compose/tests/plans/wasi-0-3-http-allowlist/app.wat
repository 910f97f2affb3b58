(component
  (import "wasi:http/types@0.3.2" (instance))
  (import "wasi:http/client@0.3.2" (instance))
  (instance $e0)
  (export "wasi:cli/run@0.3.2" (instance $e0))
)
