;; The Gaussian filter's two passes of filters.ts (filterLines along x, filterRows along y and z) in WebAssembly:
;; the same products added in the same order, so the results equal the JavaScript reference bit for bit (scalar
;; f64 along x; f64x2 lanes along y and z, each lane its own IEEE sum). A command blurs once per volume, cold: here
;; that costs what warm code does, from the first call.
;;
;; Compiled by scripts/build-wasm.js (the `wabt` npm package) into filters-simd-wasm.ts; filters.ts lays out memory:
;; the volume (f64, x fastest), a scratch block, the kernel (f64) and the boundary table (i32, −1 = zero padding).
;; Addresses are bytes; counts and strides are elements.
(module
  (memory (export "memory") 1)

  ;; `lines` lines of `n` values starting at `data`, one after another: each is copied to `line`, then filtered.
  (func (export "lines")
    (param $data i32) (param $n i32) (param $lines i32) (param $kern i32) (param $taps i32) (param $src i32)
    (param $line i32)
    (local $l i32) (local $start i32) (local $p i32) (local $t i32) (local $r i32) (local $s i32) (local $at i32)
    (local $acc f64)
    (local.set $r (i32.shr_u (i32.sub (local.get $taps) (i32.const 1)) (i32.const 1)))
    (block $linesDone
      (loop $eachLine
        (br_if $linesDone (i32.ge_u (local.get $l) (local.get $lines)))
        (local.set $start (i32.add (local.get $data) (i32.shl (i32.mul (local.get $l) (local.get $n)) (i32.const 3))))
        (local.set $p (i32.const 0))
        (block $copied
          (loop $copy
            (br_if $copied (i32.ge_u (local.get $p) (local.get $n)))
            (local.set $at (i32.shl (local.get $p) (i32.const 3)))
            (f64.store (i32.add (local.get $line) (local.get $at))
              (f64.load (i32.add (local.get $start) (local.get $at))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $copy)))
        (local.set $p (i32.const 0))
        (block $positionsDone
          (loop $eachPosition
            (br_if $positionsDone (i32.ge_u (local.get $p) (local.get $n)))
            (local.set $acc (f64.const 0))
            (local.set $t (i32.const 0))
            (if (i32.and (i32.ge_s (local.get $p) (local.get $r))
                         (i32.lt_s (local.get $p) (i32.sub (local.get $n) (local.get $r))))
              (then
                ;; every tap on the line: line[p − r + t]
                (local.set $at (i32.add (local.get $line) (i32.shl (i32.sub (local.get $p) (local.get $r)) (i32.const 3))))
                (block $tapsDone
                  (loop $eachTap
                    (br_if $tapsDone (i32.ge_u (local.get $t) (local.get $taps)))
                    (local.set $acc (f64.add (local.get $acc)
                      (f64.mul (f64.load (i32.add (local.get $kern) (i32.shl (local.get $t) (i32.const 3))))
                               (f64.load (local.get $at)))))
                    (local.set $at (i32.add (local.get $at) (i32.const 8)))
                    (local.set $t (i32.add (local.get $t) (i32.const 1)))
                    (br $eachTap))))
              (else
                ;; near an end: the boundary table says where each tap reads
                (block $edgeDone
                  (loop $eachEdgeTap
                    (br_if $edgeDone (i32.ge_u (local.get $t) (local.get $taps)))
                    (local.set $s (i32.load (i32.add (local.get $src)
                      (i32.shl (i32.add (i32.mul (local.get $p) (local.get $taps)) (local.get $t)) (i32.const 2)))))
                    (if (i32.ge_s (local.get $s) (i32.const 0))
                      (then
                        (local.set $acc (f64.add (local.get $acc)
                          (f64.mul (f64.load (i32.add (local.get $kern) (i32.shl (local.get $t) (i32.const 3))))
                                   (f64.load (i32.add (local.get $line) (i32.shl (local.get $s) (i32.const 3)))))))))
                    (local.set $t (i32.add (local.get $t) (i32.const 1)))
                    (br $eachEdgeTap)))))
            (f64.store (i32.add (local.get $start) (i32.shl (local.get $p) (i32.const 3))) (local.get $acc))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $eachPosition)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $eachLine))))

  ;; `blocks` blocks of `n` rows of `nx` values (rows `rowStride` apart, blocks `blockStride` apart, from `data`): each
  ;; block is copied to `block`, then every output row is the kernel-weighted sum of its source rows, tap by tap.
  (func (export "rows")
    (param $data i32) (param $nx i32) (param $n i32) (param $rowStride i32) (param $blocks i32)
    (param $blockStride i32) (param $kern i32) (param $taps i32) (param $src i32) (param $block i32)
    (local $b i32) (local $base i32) (local $p i32) (local $t i32) (local $s i32) (local $i i32)
    (local $row i32) (local $from i32) (local $rowBytes i32) (local $pairs i32) (local $w f64) (local $wv v128)
    (local.set $rowBytes (i32.shl (local.get $nx) (i32.const 3)))
    (local.set $pairs (i32.and (local.get $nx) (i32.const -2)))
    (block $blocksDone
      (loop $eachBlock
        (br_if $blocksDone (i32.ge_u (local.get $b) (local.get $blocks)))
        (local.set $base (i32.add (local.get $data)
          (i32.shl (i32.mul (local.get $b) (local.get $blockStride)) (i32.const 3))))
        ;; copy the block's rows, one after another
        (local.set $p (i32.const 0))
        (block $copied
          (loop $copyRow
            (br_if $copied (i32.ge_u (local.get $p) (local.get $n)))
            (local.set $row (i32.add (local.get $base)
              (i32.shl (i32.mul (local.get $p) (local.get $rowStride)) (i32.const 3))))
            (local.set $from (i32.add (local.get $block) (i32.mul (local.get $p) (local.get $rowBytes))))
            (local.set $i (i32.const 0))
            (block $rowCopied
              (loop $copyValue
                (br_if $rowCopied (i32.ge_u (local.get $i) (local.get $rowBytes)))
                (f64.store (i32.add (local.get $from) (local.get $i)) (f64.load (i32.add (local.get $row) (local.get $i))))
                (local.set $i (i32.add (local.get $i) (i32.const 8)))
                (br $copyValue)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $copyRow)))
        ;; each output row: zero, then add w·(source row) for every tap that lands on the line
        (local.set $p (i32.const 0))
        (block $rowsDone
          (loop $eachRow
            (br_if $rowsDone (i32.ge_u (local.get $p) (local.get $n)))
            (local.set $row (i32.add (local.get $base)
              (i32.shl (i32.mul (local.get $p) (local.get $rowStride)) (i32.const 3))))
            (local.set $i (i32.const 0))
            (block $zeroed
              (loop $zero
                (br_if $zeroed (i32.ge_u (local.get $i) (local.get $rowBytes)))
                (f64.store (i32.add (local.get $row) (local.get $i)) (f64.const 0))
                (local.set $i (i32.add (local.get $i) (i32.const 8)))
                (br $zero)))
            (local.set $t (i32.const 0))
            (block $tapsDone
              (loop $eachTap
                (br_if $tapsDone (i32.ge_u (local.get $t) (local.get $taps)))
                (local.set $s (i32.load (i32.add (local.get $src)
                  (i32.shl (i32.add (i32.mul (local.get $p) (local.get $taps)) (local.get $t)) (i32.const 2)))))
                (if (i32.ge_s (local.get $s) (i32.const 0))
                  (then
                    (local.set $w (f64.load (i32.add (local.get $kern) (i32.shl (local.get $t) (i32.const 3)))))
                    (local.set $wv (f64x2.splat (local.get $w)))
                    (local.set $from (i32.add (local.get $block) (i32.mul (local.get $s) (local.get $rowBytes))))
                    (local.set $i (i32.const 0))
                    (block $pairsDone
                      (loop $eachPair
                        (br_if $pairsDone (i32.ge_u (local.get $i) (local.get $pairs)))
                        (v128.store (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3)))
                          (f64x2.add (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3))))
                            (f64x2.mul (local.get $wv)
                              (v128.load (i32.add (local.get $from) (i32.shl (local.get $i) (i32.const 3)))))))
                        (local.set $i (i32.add (local.get $i) (i32.const 2)))
                        (br $eachPair)))
                    (if (i32.lt_u (local.get $i) (local.get $nx))
                      (then
                        (f64.store (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3)))
                          (f64.add (f64.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3))))
                            (f64.mul (local.get $w)
                              (f64.load (i32.add (local.get $from) (i32.shl (local.get $i) (i32.const 3)))))))))))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $eachTap)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $eachRow)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $eachBlock))))
)
