;; squaredDistanceToMask of distance.ts in WebAssembly: the first axis by two sweeps per line, then the lower
;; envelope of parabolas (Felzenszwalb & Huttenlocher) along y and z, with the same bound (distances over maxSq are
;; Infinity) and the same arithmetic in the same order, so the distances equal the JavaScript's bit for bit.
;;
;; Compiled by scripts/build-wasm.js (the `wabt` npm package) into distance-wasm.ts; distance.ts lays out
;; memory: the mask (u8), the distances (f64), and one line's scratch f, d, z (f64) and v (i32). Addresses are bytes.
(module
  (memory (export "memory") 1)

  ;; Along x: the squared distance to the nearest set voxel of the same line, two sweeps (Infinity past maxSq).
  (func (export "firstAxis")
    (param $mask i32) (param $dist i32) (param $n i32) (param $nx i32) (param $w f64) (param $maxSq f64)
    (local $start i32) (local $p i32) (local $last i32) (local $dq f64) (local $sq f64) (local $at i32)
    (block $linesDone
      (loop $eachLine
        (br_if $linesDone (i32.ge_u (local.get $start) (local.get $n)))
        (local.set $last (i32.const -1))
        (local.set $p (i32.const 0))
        (block $forwardDone
          (loop $forward
            (br_if $forwardDone (i32.ge_s (local.get $p) (local.get $nx)))
            (if (i32.load8_u (i32.add (local.get $mask) (i32.add (local.get $start) (local.get $p))))
              (then (local.set $last (local.get $p))))
            (local.set $dq (f64.mul (local.get $w) (f64.convert_i32_s (i32.sub (local.get $p) (local.get $last)))))
            (local.set $sq (f64.mul (local.get $dq) (local.get $dq)))
            (f64.store (i32.add (local.get $dist) (i32.shl (i32.add (local.get $start) (local.get $p)) (i32.const 3)))
              (select (f64.const inf) (local.get $sq)
                (i32.or (i32.lt_s (local.get $last) (i32.const 0)) (f64.gt (local.get $sq) (local.get $maxSq)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $forward)))
        (local.set $last (i32.const -1))
        (local.set $p (i32.sub (local.get $nx) (i32.const 1)))
        (block $backwardDone
          (loop $backward
            (br_if $backwardDone (i32.lt_s (local.get $p) (i32.const 0)))
            (if (i32.load8_u (i32.add (local.get $mask) (i32.add (local.get $start) (local.get $p))))
              (then (local.set $last (local.get $p))))
            (if (i32.ge_s (local.get $last) (i32.const 0))
              (then
                (local.set $dq (f64.mul (local.get $w) (f64.convert_i32_s (i32.sub (local.get $last) (local.get $p)))))
                (local.set $sq (f64.mul (local.get $dq) (local.get $dq)))
                (local.set $at (i32.add (local.get $dist) (i32.shl (i32.add (local.get $start) (local.get $p)) (i32.const 3))))
                (if (i32.and (f64.lt (local.get $sq) (f64.load (local.get $at))) (f64.le (local.get $sq) (local.get $maxSq)))
                  (then (f64.store (local.get $at) (local.get $sq))))))
            (local.set $p (i32.sub (local.get $p) (i32.const 1)))
            (br $backward)))
        (local.set $start (i32.add (local.get $start) (local.get $nx)))
        (br $eachLine))))

  ;; One line of `n` samples `w` apart, in place on f: d(q) = min_p f(p) + (w·(q − p))² (edt1d of distance.ts).
  (func $edt1d (param $f i32) (param $n i32) (param $w f64) (param $v i32) (param $z i32) (param $d i32)
    (local $k i32) (local $q i32) (local $p i32) (local $j i32) (local $fq f64) (local $s f64) (local $wq f64)
    (local $wp f64) (local $dq f64) (local $vj i32)
    (local.set $k (i32.const -1))
    (block $envelopeDone
      (loop $eachQ
        (br_if $envelopeDone (i32.ge_s (local.get $q) (local.get $n)))
        (if (f64.ne (f64.load (i32.add (local.get $f) (i32.shl (local.get $q) (i32.const 3)))) (f64.const inf))
          (then
            (local.set $wq (f64.mul (local.get $w) (f64.convert_i32_s (local.get $q))))
            (local.set $fq (f64.add (f64.load (i32.add (local.get $f) (i32.shl (local.get $q) (i32.const 3))))
              (f64.mul (local.get $wq) (local.get $wq))))
            (block $placed
              (loop $pop
                (br_if $placed (i32.lt_s (local.get $k) (i32.const 0)))
                (local.set $p (i32.load (i32.add (local.get $v) (i32.shl (local.get $k) (i32.const 2)))))
                (local.set $wp (f64.mul (local.get $w) (f64.convert_i32_s (local.get $p))))
                (local.set $s (f64.div
                  (f64.sub (local.get $fq)
                    (f64.add (f64.load (i32.add (local.get $f) (i32.shl (local.get $p) (i32.const 3))))
                      (f64.mul (local.get $wp) (local.get $wp))))
                  (f64.mul (f64.mul (f64.mul (f64.const 2) (local.get $w)) (local.get $w))
                    (f64.convert_i32_s (i32.sub (local.get $q) (local.get $p))))))
                (if (f64.le (local.get $s) (f64.load (i32.add (local.get $z) (i32.shl (local.get $k) (i32.const 3)))))
                  (then
                    (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                    (br $pop)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (i32.store (i32.add (local.get $v) (i32.shl (local.get $k) (i32.const 2))) (local.get $q))
                (f64.store (i32.add (local.get $z) (i32.shl (local.get $k) (i32.const 3))) (local.get $s))
                (br $placed)))
            (if (i32.lt_s (local.get $k) (i32.const 0))
              (then
                (local.set $k (i32.const 0))
                (i32.store (local.get $v) (local.get $q))
                (f64.store (local.get $z) (f64.const -inf))))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $eachQ)))
    ;; no finite sample: the caller skips such lines, so this only keeps f as it is (all Infinity)
    (if (i32.lt_s (local.get $k) (i32.const 0)) (then (return)))
    (f64.store (i32.add (local.get $z) (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 3))) (f64.const inf))
    (local.set $q (i32.const 0))
    (block $fillDone
      (loop $fill
        (br_if $fillDone (i32.ge_s (local.get $q) (local.get $n)))
        (block $found
          (loop $advance
            (br_if $found (i32.eqz (f64.lt
              (f64.load (i32.add (local.get $z) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3))))
              (f64.convert_i32_s (local.get $q)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $advance)))
        (local.set $vj (i32.load (i32.add (local.get $v) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $dq (f64.mul (local.get $w) (f64.convert_i32_s (i32.sub (local.get $q) (local.get $vj)))))
        (f64.store (i32.add (local.get $d) (i32.shl (local.get $q) (i32.const 3)))
          (f64.add (f64.mul (local.get $dq) (local.get $dq))
            (f64.load (i32.add (local.get $f) (i32.shl (local.get $vj) (i32.const 3))))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $fill)))
    (local.set $q (i32.const 0))
    (block $copyDone
      (loop $copy
        (br_if $copyDone (i32.ge_s (local.get $q) (local.get $n)))
        (f64.store (i32.add (local.get $f) (i32.shl (local.get $q) (i32.const 3)))
          (f64.load (i32.add (local.get $d) (i32.shl (local.get $q) (i32.const 3)))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $copy))))

  ;; Along y (axis 1) or z (axis 2): each line of `n` samples `stride` apart is gathered into f, skipped when all
  ;; Infinity, enveloped, and written back with values over maxSq dropped to Infinity.
  (func (export "laterAxis")
    (param $dist i32) (param $axis i32) (param $nx i32) (param $nxy i32) (param $n i32) (param $stride i32)
    (param $lines i32) (param $w f64) (param $maxSq f64) (param $f i32) (param $d i32) (param $v i32) (param $z i32)
    (local $l i32) (local $start i32) (local $p i32) (local $x f64) (local $finite i32) (local $at i32)
    (block $linesDone
      (loop $eachLine
        (br_if $linesDone (i32.ge_u (local.get $l) (local.get $lines)))
        (local.set $start
          (if (result i32) (i32.eq (local.get $axis) (i32.const 1))
            (then (i32.add (i32.rem_u (local.get $l) (local.get $nx))
                           (i32.mul (i32.div_u (local.get $l) (local.get $nx)) (local.get $nxy))))
            (else (local.get $l))))
        (local.set $finite (i32.const 0))
        (local.set $p (i32.const 0))
        (block $gathered
          (loop $gather
            (br_if $gathered (i32.ge_s (local.get $p) (local.get $n)))
            (local.set $x (f64.load (i32.add (local.get $dist)
              (i32.shl (i32.add (local.get $start) (i32.mul (local.get $p) (local.get $stride))) (i32.const 3)))))
            (f64.store (i32.add (local.get $f) (i32.shl (local.get $p) (i32.const 3))) (local.get $x))
            (if (f64.ne (local.get $x) (f64.const inf)) (then (local.set $finite (i32.const 1))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $gather)))
        (if (local.get $finite)
          (then
            (call $edt1d (local.get $f) (local.get $n) (local.get $w) (local.get $v) (local.get $z) (local.get $d))
            (local.set $p (i32.const 0))
            (block $scattered
              (loop $scatter
                (br_if $scattered (i32.ge_s (local.get $p) (local.get $n)))
                (local.set $x (f64.load (i32.add (local.get $f) (i32.shl (local.get $p) (i32.const 3)))))
                (local.set $at (i32.add (local.get $dist)
                  (i32.shl (i32.add (local.get $start) (i32.mul (local.get $p) (local.get $stride))) (i32.const 3))))
                (f64.store (local.get $at)
                  (select (f64.const inf) (local.get $x) (f64.gt (local.get $x) (local.get $maxSq))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $scatter)))))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $eachLine))))
)
