(component
  (import "wasi:filesystem/types@0.2.6" (instance))
  (import "wasi:filesystem/preopens@0.2.6" (instance))
  (import "wasi:filesystem/types@0.3.2" (instance))
  (import "wasi:filesystem/preopens@0.3.2" (instance))
  (instance $e0)
  (export "wasi:cli/run@0.3.2" (instance $e0))
)
