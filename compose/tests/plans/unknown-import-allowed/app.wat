(component
  (import "my:plugin/api@1.0.0" (instance))
  (import "wasi:cli/stdout@0.2.6" (instance))
  (import "wasi:io/streams@0.2.6" (instance))
)
