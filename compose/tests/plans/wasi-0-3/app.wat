(component
  (import "wasi:clocks/monotonic-clock@0.3.0" (instance))
)
