;; The counting passes of orderStatistics (stats.ts) in WebAssembly: the values' range, their counts in equal-width
;; buckets, and the values of the buckets that hold the wanted ranks. The same floating-point operations as the
;; JavaScript, so the same buckets and the same answer; medians run once per volume, cold, and here cold is fast.
;;
;; Compiled by scripts/build-wasm.js (the `wabt` npm package) into select-wasm.ts; stats.ts lays out memory:
;; the values (f64), the counts (i32 per bucket) and the picked values (f64). Addresses are bytes.
(module
  (memory (export "memory") 1)
  (global $min (export "min") (mut f64) (f64.const 0))
  (global $max (export "max") (mut f64) (f64.const 0))

  ;; min and max of n values into the globals; returns 1 when a NaN is among them (the caller then sorts).
  (func (export "range") (param $x i32) (param $n i32) (result i32)
    (local $i i32) (local $v f64) (local $lo f64) (local $hi f64)
    (local.set $lo (f64.const inf))
    (local.set $hi (f64.const -inf))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v (f64.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))))
        (if (f64.ne (local.get $v) (local.get $v)) (then (return (i32.const 1))))
        (if (f64.lt (local.get $v) (local.get $lo)) (then (local.set $lo (local.get $v))))
        (if (f64.gt (local.get $v) (local.get $hi)) (then (local.set $hi (local.get $v))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (global.set $min (local.get $lo))
    (global.set $max (local.get $hi))
    (i32.const 0))

  ;; The bucket of v: floor((v − min)·scale), the last bucket for the top of the range.
  (func $bucket (param $v f64) (param $min f64) (param $scale f64) (param $buckets i32) (result i32)
    (local $b f64)
    (local.set $b (f64.floor (f64.mul (f64.sub (local.get $v) (local.get $min)) (local.get $scale))))
    (if (result i32) (f64.lt (local.get $b) (f64.convert_i32_s (local.get $buckets)))
      (then (i32.trunc_f64_s (local.get $b)))
      (else (i32.sub (local.get $buckets) (i32.const 1)))))

  ;; counts[bucket(v)]++ for every value (counts start at zero).
  (func (export "count")
    (param $x i32) (param $n i32) (param $min f64) (param $scale f64) (param $buckets i32) (param $counts i32)
    (local $i i32) (local $at i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.add (local.get $counts) (i32.shl
          (call $bucket (f64.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3))))
            (local.get $min) (local.get $scale) (local.get $buckets))
          (i32.const 2))))
        (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; The values whose bucket lies in [first, last], in order, to `out`; returns how many.
  (func (export "collect")
    (param $x i32) (param $n i32) (param $min f64) (param $scale f64) (param $buckets i32) (param $first i32)
    (param $last i32) (param $out i32) (result i32)
    (local $i i32) (local $j i32) (local $v f64) (local $b i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v (f64.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $b (call $bucket (local.get $v) (local.get $min) (local.get $scale) (local.get $buckets)))
        (if (i32.and (i32.ge_s (local.get $b) (local.get $first)) (i32.le_s (local.get $b) (local.get $last)))
          (then
            (f64.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))) (local.get $v))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $j))
)
