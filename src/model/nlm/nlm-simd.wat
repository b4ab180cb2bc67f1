;; The NLM kernel of kernel.ts (one box, one σ) in WebAssembly with 128-bit SIMD: four voxels along x per
;; instruction. Same algorithm, same loop order: for each search offset δ, the squared differences (u(x) − u(x+δ))²
;; are box-summed over the patch (rows, then columns, then a ring of 2P+1 planes), turned into weights
;; w = e^−(distance·k), and added to the sums of both voxels of the pair (x, x+δ).
;;
;; Compiled by scripts/build-wasm.js (the `wabt` npm package) into nlm-simd-wasm.ts; the JavaScript side is
;; kernel-simd.ts, which lays out memory and sets the globals below.
;;
;; Precision: distances, weights and each offset's products are f32; they are summed in f32 for at most
;; FLUSH_EVERY offsets, then added into f64 sums, so rounding does not grow with the number of offsets. Every voxel
;; sees the same operations in the same order whatever the box and the batching, so results do not depend on them.
;;
;; Memory (byte addresses set by `configure`, all 16-byte aligned; rows padded to multiples of 4 floats so vectors
;; may run up to 3 lanes past a row's end into padding that is never read back):
;;   U     the input box grown by B, f32, x fastest (px·py·pz, plus padding)
;;   WSF   per-voxel weight sums of the current batch of offsets, f32, rows of bxs
;;   VSF   per-voxel weighted x² sums of the batch, f32, rows of bxs
;;   WSD   weight sums, f64, rows of bxs
;;   VSD   weighted x² sums, f64, rows of bxs
;;   ROWB  row box sums of one plane: (wy + 2P) rows of wxs floats
;;   RING  2P+1 planes of column box sums, each planeBytes
;;   DIST  one row of weights, wxs floats
;;   OFFS  the search offsets, (dx, dy, dz) i32 triples
;;   ROWR  per box row (y + by·z), the wanted x range [lo, hi) as two i32 (lo = hi: none); other voxels' sums are
;;         left unfinished (finite, never read)
(module
  (memory (export "memory") 1)

  (global $bx (mut i32) (i32.const 0))
  (global $by (mut i32) (i32.const 0))
  (global $bz (mut i32) (i32.const 0))
  (global $B (mut i32) (i32.const 0))
  (global $P (mut i32) (i32.const 0))
  (global $px (mut i32) (i32.const 0))
  (global $pxy (mut i32) (i32.const 0))
  (global $bxs (mut i32) (i32.const 0))
  (global $wxs (mut i32) (i32.const 0))
  (global $planeBytes (mut i32) (i32.const 0))
  (global $voxelsPadded (mut i32) (i32.const 0))
  (global $k (mut f32) (f32.const 0))
  (global $U (mut i32) (i32.const 0))
  (global $WSF (mut i32) (i32.const 0))
  (global $VSF (mut i32) (i32.const 0))
  (global $WSD (mut i32) (i32.const 0))
  (global $VSD (mut i32) (i32.const 0))
  (global $ROWB (mut i32) (i32.const 0))
  (global $RING (mut i32) (i32.const 0))
  (global $DIST (mut i32) (i32.const 0))
  (global $OFFS (mut i32) (i32.const 0))
  (global $ROWR (mut i32) (i32.const 0))
  (global $offsets (mut i32) (i32.const 0))

  ;; Offsets summed in f32 before the f64 sums take them over.
  (global $FLUSH_EVERY i32 (i32.const 8))

  (func (export "configure")
    (param $bx i32) (param $by i32) (param $bz i32) (param $B i32) (param $P i32)
    (param $bxs i32) (param $wxs i32) (param $planeBytes i32) (param $k f32)
    (param $U i32) (param $WSF i32) (param $VSF i32) (param $WSD i32) (param $VSD i32)
    (param $ROWB i32) (param $RING i32) (param $DIST i32) (param $OFFS i32) (param $offsets i32) (param $ROWR i32)
    (global.set $bx (local.get $bx))
    (global.set $by (local.get $by))
    (global.set $bz (local.get $bz))
    (global.set $B (local.get $B))
    (global.set $P (local.get $P))
    (global.set $px (i32.add (local.get $bx) (i32.shl (local.get $B) (i32.const 1))))
    (global.set $pxy (i32.mul (global.get $px) (i32.add (local.get $by) (i32.shl (local.get $B) (i32.const 1)))))
    (global.set $bxs (local.get $bxs))
    (global.set $wxs (local.get $wxs))
    (global.set $planeBytes (local.get $planeBytes))
    (global.set $voxelsPadded (i32.mul (local.get $bxs) (i32.mul (local.get $by) (local.get $bz))))
    (global.set $k (local.get $k))
    (global.set $U (local.get $U))
    (global.set $WSF (local.get $WSF))
    (global.set $VSF (local.get $VSF))
    (global.set $WSD (local.get $WSD))
    (global.set $VSD (local.get $VSD))
    (global.set $ROWB (local.get $ROWB))
    (global.set $RING (local.get $RING))
    (global.set $DIST (local.get $DIST))
    (global.set $OFFS (local.get $OFFS))
    (global.set $offsets (local.get $offsets))
    (global.set $ROWR (local.get $ROWR)))

  ;; ROWB[r][x] = Σ_t (u[a + t] − u[a + t + δ])², t < 2P+1, for `rows` rows of the plane starting at byte address
  ;; $ubase (one row of U = px floats apart) and x < wx (rounded up to 4).
  (func $rowBox (param $ubase i32) (param $rows i32) (param $wx i32) (param $shiftB i32)
    (local $r i32) (local $x i32) (local $a i32) (local $out i32) (local $t i32) (local $taps i32) (local $acc v128)
    (local $d v128) (local $rowB i32) (local $wxB i32) (local $cur v128) (local $next v128)
    (local.set $taps (i32.add (i32.shl (global.get $P) (i32.const 1)) (i32.const 1)))
    (local.set $rowB (i32.shl (global.get $px) (i32.const 2)))
    (local.set $wxB (i32.shl (local.get $wx) (i32.const 2)))
    (local.set $out (global.get $ROWB))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $x (i32.const 0))
        (if (i32.eq (local.get $taps) (i32.const 3))
          (then
            ;; The default patch (P = 1): three taps. Each squared difference is computed once; the taps at +1 and
            ;; +2 are lanes of this vector and the next, shuffled in ((d0² + d1²) + d2² per lane, as kernel.ts).
            (local.set $a (local.get $ubase))
            (local.set $d (f32x4.sub (v128.load (local.get $a)) (v128.load (i32.add (local.get $a) (local.get $shiftB)))))
            (local.set $cur (f32x4.mul (local.get $d) (local.get $d)))
            (block $xDone3
              (loop $xLoop3
                (br_if $xDone3 (i32.ge_s (local.get $x) (local.get $wxB)))
                (local.set $a (i32.add (local.get $ubase) (local.get $x)))
                (local.set $d (f32x4.sub (v128.load offset=16 (local.get $a))
                                         (v128.load offset=16 (i32.add (local.get $a) (local.get $shiftB)))))
                (local.set $next (f32x4.mul (local.get $d) (local.get $d)))
                (local.set $acc
                  (f32x4.add
                    (f32x4.add (local.get $cur)
                               (i8x16.shuffle 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 (local.get $cur) (local.get $next)))
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 (local.get $cur) (local.get $next))))
                (v128.store (i32.add (local.get $out) (local.get $x)) (local.get $acc))
                (local.set $cur (local.get $next))
                (local.set $x (i32.add (local.get $x) (i32.const 16)))
                (br $xLoop3))))
          (else
            (block $xDone
              (loop $xLoop
                (br_if $xDone (i32.ge_s (local.get $x) (local.get $wxB)))
                (local.set $a (i32.add (local.get $ubase) (local.get $x)))
                (local.set $acc (v128.const f32x4 0 0 0 0))
                (local.set $t (i32.const 0))
                (block $tDone
                  (loop $tLoop
                    (br_if $tDone (i32.ge_s (local.get $t) (local.get $taps)))
                    (local.set $d (f32x4.sub (v128.load (local.get $a))
                                             (v128.load (i32.add (local.get $a) (local.get $shiftB)))))
                    (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $d) (local.get $d))))
                    (local.set $a (i32.add (local.get $a) (i32.const 4)))
                    (local.set $t (i32.add (local.get $t) (i32.const 1)))
                    (br $tLoop)))
                (v128.store (i32.add (local.get $out) (local.get $x)) (local.get $acc))
                (local.set $x (i32.add (local.get $x) (i32.const 16)))
                (br $xLoop)))))
        (local.set $ubase (i32.add (local.get $ubase) (local.get $rowB)))
        (local.set $out (i32.add (local.get $out) (i32.shl (global.get $wxs) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; plane[y][x] = Σ_r ROWB[y + r][x], r < 2P+1, for y < wy.
  (func $colBox (param $plane i32) (param $wy i32) (param $wx i32)
    (local $y i32) (local $x i32) (local $src i32) (local $dst i32) (local $r i32) (local $taps i32)
    (local $acc v128) (local $strideB i32) (local $wxB i32) (local $a i32)
    (local.set $taps (i32.add (i32.shl (global.get $P) (i32.const 1)) (i32.const 1)))
    (local.set $strideB (i32.shl (global.get $wxs) (i32.const 2)))
    (local.set $wxB (i32.shl (local.get $wx) (i32.const 2)))
    (local.set $src (global.get $ROWB))
    (local.set $dst (local.get $plane))
    (block $yDone
      (loop $yLoop
        (br_if $yDone (i32.ge_s (local.get $y) (local.get $wy)))
        (local.set $x (i32.const 0))
        (block $xDone
          (loop $xLoop
            (br_if $xDone (i32.ge_s (local.get $x) (local.get $wxB)))
            (local.set $a (i32.add (local.get $src) (local.get $x)))
            (if (i32.eq (local.get $taps) (i32.const 3))
              (then
                (local.set $acc
                  (f32x4.add
                    (f32x4.add (v128.load (local.get $a))
                               (v128.load (i32.add (local.get $a) (local.get $strideB))))
                    (v128.load (i32.add (local.get $a) (i32.shl (local.get $strideB) (i32.const 1)))))))
              (else
                (local.set $acc (v128.const f32x4 0 0 0 0))
                (local.set $r (i32.const 0))
                (block $rDone
                  (loop $rLoop
                    (br_if $rDone (i32.ge_s (local.get $r) (local.get $taps)))
                    (local.set $acc (f32x4.add (local.get $acc) (v128.load (local.get $a))))
                    (local.set $a (i32.add (local.get $a) (local.get $strideB)))
                    (local.set $r (i32.add (local.get $r) (i32.const 1)))
                    (br $rLoop)))))
            (v128.store (i32.add (local.get $dst) (local.get $x)) (local.get $acc))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br $xLoop)))
        (local.set $src (i32.add (local.get $src) (local.get $strideB)))
        (local.set $dst (i32.add (local.get $dst) (local.get $strideB)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $yLoop))))

  ;; DIST[x] = e^−(k · Σ_p plane_p[row][x]) over the 2P+1 ring planes, summed in z order from ring slot $first (so
  ;; the rounding does not depend on where the box starts), for x from $start (a multiple of 4) over $count values
  ;; (rounded up to 4); $rowOff = byte offset of the row. The exponential is inlined: e^−t = 2^−n · 2^f with n the
  ;; integer nearest t·log2(e) (2^−n built in the exponent bits) and a degree-5 fit of 2^f on [−0.5, 0.5] (relative
  ;; error 7.5e-8, below f32's rounding; kernel.ts uses degree 6 on [−1, 0] in f64); 0 from t·log2(e) ≥ 64 on.
  (func $weights (param $rowOff i32) (param $start i32) (param $count i32) (param $first i32)
    (local $x i32) (local $end i32) (local $p i32) (local $taps i32) (local $acc v128) (local $kv v128)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $slot i32)
    (local $y v128) (local $n v128) (local $f v128) (local $poly v128)
    (local.set $taps (i32.add (i32.shl (global.get $P) (i32.const 1)) (i32.const 1)))
    (local.set $x (i32.shl (local.get $start) (i32.const 2)))
    (local.set $end (i32.shl (i32.add (local.get $start) (local.get $count)) (i32.const 2)))
    (local.set $kv (f32x4.splat (f32.mul (global.get $k) (f32.const 1.4426950408889634))))
    (local.set $a0 (call $ringRow (local.get $first) (local.get $rowOff)))
    (local.set $a1 (call $ringRow (i32.rem_u (i32.add (local.get $first) (i32.const 1)) (local.get $taps)) (local.get $rowOff)))
    (local.set $a2 (call $ringRow (i32.rem_u (i32.add (local.get $first) (i32.const 2)) (local.get $taps)) (local.get $rowOff)))
    (block $xDone
      (loop $xLoop
        (br_if $xDone (i32.ge_s (local.get $x) (local.get $end)))
        (if (i32.eq (local.get $taps) (i32.const 3))
          (then
            ;; The default patch (P = 1): three planes, unrolled.
            (local.set $acc
              (f32x4.add
                (f32x4.add (v128.load (i32.add (local.get $a0) (local.get $x)))
                           (v128.load (i32.add (local.get $a1) (local.get $x))))
                (v128.load (i32.add (local.get $a2) (local.get $x))))))
          (else
            (local.set $acc (v128.const f32x4 0 0 0 0))
            (local.set $p (i32.const 0))
            (local.set $slot (local.get $first))
            (block $pDone
              (loop $pLoop
                (br_if $pDone (i32.ge_s (local.get $p) (local.get $taps)))
                (local.set $acc
                  (f32x4.add (local.get $acc)
                             (v128.load (i32.add (call $ringRow (local.get $slot) (local.get $rowOff)) (local.get $x)))))
                (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
                (if (i32.eq (local.get $slot) (local.get $taps)) (then (local.set $slot (i32.const 0))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $pLoop)))))
        (local.set $y (f32x4.mul (local.get $acc) (local.get $kv)))
        (local.set $n (f32x4.nearest (f32x4.min (local.get $y) (f32x4.splat (f32.const 64)))))
        (local.set $f (f32x4.sub (local.get $n) (local.get $y)))
        (local.set $poly (f32x4.splat (f32.const 0.0013276379695681038)))
        (local.set $poly (f32x4.add (f32x4.splat (f32.const 0.009675541093339502)) (f32x4.mul (local.get $f) (local.get $poly))))
        (local.set $poly (f32x4.add (f32x4.splat (f32.const 0.055507135609384334)) (f32x4.mul (local.get $f) (local.get $poly))))
        (local.set $poly (f32x4.add (f32x4.splat (f32.const 0.2402211972971328)) (f32x4.mul (local.get $f) (local.get $poly))))
        (local.set $poly (f32x4.add (f32x4.splat (f32.const 0.6931469668862412)) (f32x4.mul (local.get $f) (local.get $poly))))
        (local.set $poly (f32x4.add (f32x4.splat (f32.const 1.0000000716529869)) (f32x4.mul (local.get $f) (local.get $poly))))
        (v128.store (i32.add (global.get $DIST) (local.get $x))
          (v128.and
            (f32x4.mul
              (local.get $poly)
              ;; 2^−n from n's bits: n + 2^23 holds the integer n (0…64) in its low mantissa bits, so shifting them
              ;; into the exponent field gives n·2^23 (cheaper than trunc_sat, several instructions on x64).
              (i32x4.sub (i32x4.splat (i32.const 0x3F800000))
                         (i32x4.shl (f32x4.add (local.get $n) (f32x4.splat (f32.const 8388608))) (i32.const 23))))
            (f32x4.lt (local.get $y) (f32x4.splat (f32.const 64)))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $xLoop))))

  ;; Byte address of a row in ring slot $slot.
  (func $ringRow (param $slot i32) (param $rowOff i32) (result i32)
    (i32.add (i32.add (global.get $RING) (i32.mul (local.get $slot) (global.get $planeBytes))) (local.get $rowOff)))

  ;; For j < n: WSF[dst + j] += DIST[dist + j]; VSF[dst + j] += DIST[dist + j] · u[src + j]² ($dst: byte offset into
  ;; the voxel arrays, $dist and $src: byte addresses).
  (func $accumulate (param $dst i32) (param $dist i32) (param $src i32) (param $n i32)
    (local $j i32) (local $nB i32) (local $w v128) (local $v v128) (local $ws i32) (local $vs i32)
    (local.set $nB (i32.shl (local.get $n) (i32.const 2)))
    (local.set $ws (i32.add (global.get $WSF) (local.get $dst)))
    (local.set $vs (i32.add (global.get $VSF) (local.get $dst)))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_s (local.get $j) (local.get $nB)))
        (local.set $w (v128.load (i32.add (local.get $dist) (local.get $j))))
        (local.set $v (v128.load (i32.add (local.get $src) (local.get $j))))
        (v128.store (i32.add (local.get $ws) (local.get $j))
                    (f32x4.add (v128.load (i32.add (local.get $ws) (local.get $j))) (local.get $w)))
        (v128.store (i32.add (local.get $vs) (local.get $j))
                    (f32x4.add (v128.load (i32.add (local.get $vs) (local.get $j)))
                               (f32x4.mul (local.get $w) (f32x4.mul (local.get $v) (local.get $v)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $loop))))

  ;; WSD += WSF, VSD += VSF (f32 → f64), then WSF = VSF = 0.
  (func $flush
    (local $i i32) (local $end i32) (local $f v128) (local $d i32)
    (local.set $end (i32.shl (global.get $voxelsPadded) (i32.const 2)))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_s (local.get $i) (local.get $end)))
        (local.set $d (i32.shl (local.get $i) (i32.const 1)))
        (local.set $f (v128.load (i32.add (global.get $WSF) (local.get $i))))
        (v128.store (i32.add (global.get $WSD) (local.get $d))
                    (f64x2.add (v128.load (i32.add (global.get $WSD) (local.get $d)))
                               (f64x2.promote_low_f32x4 (local.get $f))))
        (v128.store offset=16 (i32.add (global.get $WSD) (local.get $d))
                    (f64x2.add (v128.load offset=16 (i32.add (global.get $WSD) (local.get $d)))
                               (f64x2.promote_low_f32x4
                                 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $f) (local.get $f)))))
        (v128.store (i32.add (global.get $WSF) (local.get $i)) (v128.const i32x4 0 0 0 0))
        (local.set $f (v128.load (i32.add (global.get $VSF) (local.get $i))))
        (v128.store (i32.add (global.get $VSD) (local.get $d))
                    (f64x2.add (v128.load (i32.add (global.get $VSD) (local.get $d)))
                               (f64x2.promote_low_f32x4 (local.get $f))))
        (v128.store offset=16 (i32.add (global.get $VSD) (local.get $d))
                    (f64x2.add (v128.load offset=16 (i32.add (global.get $VSD) (local.get $d)))
                               (f64x2.promote_low_f32x4
                                 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $f) (local.get $f)))))
        (v128.store (i32.add (global.get $VSF) (local.get $i)) (v128.const i32x4 0 0 0 0))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $loop))))

  ;; One search offset δ = (dx, dy, dz): kernel.ts processOffsetOf with one σ.
  (func $offset (param $dx i32) (param $dy i32) (param $dz i32)
    (local $loX i32) (local $wx i32) (local $loY i32) (local $wy i32) (local $loZ i32) (local $hiZ i32)
    (local $shift i32) (local $P i32) (local $B i32) (local $span i32) (local $zz i32) (local $planeNo i32)
    (local $z i32) (local $y i32) (local $yy i32) (local $pInZ i32) (local $qInZ i32) (local $pIn i32) (local $qIn i32)
    (local $pBase i32) (local $bx i32) (local $by i32) (local $bz i32) (local $rowStrideB i32)
    (local $plo i32) (local $phi i32) (local $qlo i32) (local $qhi i32) (local $ds i32) (local $de i32) (local $a i32) (local $t i32)
    (local.set $P (global.get $P))
    (local.set $B (global.get $B))
    (local.set $bx (global.get $bx))
    (local.set $by (global.get $by))
    (local.set $bz (global.get $bz))
    (local.set $span (i32.add (i32.shl (local.get $P) (i32.const 1)) (i32.const 1)))
    (local.set $rowStrideB (i32.shl (global.get $wxs) (i32.const 2)))
    ;; Voxels x whose pair (x, x+δ) touches the box: x in the box, or x+δ in it.
    (local.set $loX (select (i32.sub (i32.const 0) (local.get $dx)) (i32.const 0) (i32.gt_s (local.get $dx) (i32.const 0))))
    (local.set $wx (i32.sub (select (i32.sub (local.get $bx) (local.get $dx)) (local.get $bx) (i32.lt_s (local.get $dx) (i32.const 0)))
                            (local.get $loX)))
    (local.set $loY (select (i32.sub (i32.const 0) (local.get $dy)) (i32.const 0) (i32.gt_s (local.get $dy) (i32.const 0))))
    (local.set $wy (i32.sub (select (i32.sub (local.get $by) (local.get $dy)) (local.get $by) (i32.lt_s (local.get $dy) (i32.const 0)))
                            (local.get $loY)))
    (local.set $loZ (select (i32.sub (i32.const 0) (local.get $dz)) (i32.const 0) (i32.gt_s (local.get $dz) (i32.const 0))))
    (local.set $hiZ (select (i32.sub (local.get $bz) (local.get $dz)) (local.get $bz) (i32.lt_s (local.get $dz) (i32.const 0))))
    (local.set $shift (i32.add (local.get $dx)
                               (i32.add (i32.mul (global.get $px) (local.get $dy)) (i32.mul (global.get $pxy) (local.get $dz)))))
    (local.set $zz (i32.sub (local.get $loZ) (local.get $P)))
    (block $zDone
      (loop $zLoop
        (br_if $zDone (i32.ge_s (local.get $zz) (i32.add (local.get $hiZ) (local.get $P))))
        ;; 2D box sums of the squared differences on plane zz, into the ring.
        (call $rowBox
          (i32.add (global.get $U)
            (i32.shl
              (i32.add (i32.add (i32.sub (local.get $loX) (local.get $P)) (local.get $B))
                (i32.add (i32.mul (global.get $px) (i32.add (i32.sub (local.get $loY) (local.get $P)) (local.get $B)))
                         (i32.mul (global.get $pxy) (i32.add (local.get $zz) (local.get $B)))))
              (i32.const 2)))
          (i32.add (local.get $wy) (i32.shl (local.get $P) (i32.const 1)))
          (local.get $wx)
          (i32.shl (local.get $shift) (i32.const 2)))
        (call $colBox
          (i32.add (global.get $RING) (i32.mul (i32.rem_u (local.get $planeNo) (local.get $span)) (global.get $planeBytes)))
          (local.get $wy)
          (local.get $wx))
        (if (i32.ge_s (local.get $planeNo) (i32.shl (local.get $P) (i32.const 1)))
          (then
            ;; The ring now holds planes z−P … z+P: their sum is the patch distance on plane z.
            (local.set $z (i32.sub (local.get $zz) (local.get $P)))
            (local.set $pInZ (i32.and (i32.ge_s (local.get $z) (i32.const 0)) (i32.lt_s (local.get $z) (local.get $bz))))
            (local.set $qInZ (i32.and (i32.ge_s (i32.add (local.get $z) (local.get $dz)) (i32.const 0))
                                      (i32.lt_s (i32.add (local.get $z) (local.get $dz)) (local.get $bz))))
            (local.set $y (i32.const 0))
            (block $yDone
              (loop $yLoop
                (br_if $yDone (i32.ge_s (local.get $y) (local.get $wy)))
                (local.set $yy (i32.add (local.get $loY) (local.get $y)))
                (local.set $pIn (i32.and (local.get $pInZ)
                  (i32.and (i32.ge_s (local.get $yy) (i32.const 0)) (i32.lt_s (local.get $yy) (local.get $by)))))
                (local.set $qIn (i32.and (local.get $qInZ)
                  (i32.and (i32.ge_s (i32.add (local.get $yy) (local.get $dy)) (i32.const 0))
                           (i32.lt_s (i32.add (local.get $yy) (local.get $dy)) (local.get $by)))))
                ;; The wanted x ranges [lo, hi) of p's row and of q's row (ROWR), as DIST indices (x − loX for p,
                ;; x − δx − loX for q): the weights are needed over their hull, the sums only over each range.
                (local.set $plo (i32.const 0))
                (local.set $phi (i32.const 0))
                (if (local.get $pIn)
                  (then
                    (local.set $a (i32.add (global.get $ROWR)
                      (i32.shl (i32.add (local.get $yy) (i32.mul (local.get $by) (local.get $z))) (i32.const 3))))
                    (local.set $plo (i32.load (local.get $a)))
                    (local.set $phi (i32.load offset=4 (local.get $a)))))
                (local.set $qlo (i32.const 0))
                (local.set $qhi (i32.const 0))
                (if (local.get $qIn)
                  (then
                    (local.set $a (i32.add (global.get $ROWR)
                      (i32.shl (i32.add (i32.add (local.get $yy) (local.get $dy))
                                        (i32.mul (local.get $by) (i32.add (local.get $z) (local.get $dz))))
                               (i32.const 3))))
                    (local.set $qlo (i32.load (local.get $a)))
                    (local.set $qhi (i32.load offset=4 (local.get $a)))))
                (local.set $ds (i32.const 0x7fffffff))
                (local.set $de (i32.const 0))
                (if (i32.lt_s (local.get $plo) (local.get $phi))
                  (then
                    (local.set $ds (i32.sub (local.get $plo) (local.get $loX)))
                    (local.set $de (i32.sub (local.get $phi) (local.get $loX)))))
                (if (i32.lt_s (local.get $qlo) (local.get $qhi))
                  (then
                    (local.set $t (i32.sub (i32.sub (local.get $qlo) (local.get $dx)) (local.get $loX)))
                    (local.set $ds (select (local.get $t) (local.get $ds) (i32.lt_s (local.get $t) (local.get $ds))))
                    (local.set $t (i32.sub (i32.sub (local.get $qhi) (local.get $dx)) (local.get $loX)))
                    (local.set $de (select (local.get $t) (local.get $de) (i32.gt_s (local.get $t) (local.get $de))))))
                (if (i32.lt_s (local.get $ds) (local.get $de))
                  (then
                    ;; Vectors start on a multiple of 4; lanes outside the ranges get finite values nobody reads.
                    (local.set $ds (i32.and (local.get $ds) (i32.const -4)))
                    ;; The oldest plane of the ring (z − P) sits in the slot after the newest (zz).
                    (call $weights (i32.mul (local.get $y) (local.get $rowStrideB))
                                   (local.get $ds) (i32.sub (local.get $de) (local.get $ds))
                                   (i32.rem_u (i32.add (local.get $planeNo) (i32.const 1)) (local.get $span)))
                    ;; Padded index of x = loX on this row, for the voxel p; its partner is q = p + δ.
                    (local.set $pBase
                      (i32.add (i32.add (local.get $loX) (local.get $B))
                        (i32.add (i32.mul (global.get $px) (i32.add (local.get $yy) (local.get $B)))
                                 (i32.mul (global.get $pxy) (i32.add (local.get $z) (local.get $B))))))
                    (if (i32.lt_s (local.get $plo) (local.get $phi))
                      (then
                        ;; p gets the moving patch at q.
                        (local.set $plo (i32.and (local.get $plo) (i32.const -4)))
                        (call $accumulate
                          (i32.shl (i32.add (i32.mul (global.get $bxs) (i32.add (local.get $yy) (i32.mul (local.get $by) (local.get $z))))
                                            (local.get $plo))
                                   (i32.const 2))
                          (i32.add (global.get $DIST) (i32.shl (i32.sub (local.get $plo) (local.get $loX)) (i32.const 2)))
                          (i32.add (global.get $U)
                            (i32.shl (i32.add (i32.add (i32.sub (local.get $pBase) (local.get $loX)) (local.get $shift))
                                              (local.get $plo))
                                     (i32.const 2)))
                          (i32.sub (local.get $phi) (local.get $plo)))))
                    (if (i32.lt_s (local.get $qlo) (local.get $qhi))
                      (then
                        ;; q gets the moving patch at p.
                        (local.set $qlo (i32.and (local.get $qlo) (i32.const -4)))
                        (call $accumulate
                          (i32.shl (i32.add (i32.mul (global.get $bxs)
                                                     (i32.add (i32.add (local.get $yy) (local.get $dy))
                                                              (i32.mul (local.get $by) (i32.add (local.get $z) (local.get $dz)))))
                                            (local.get $qlo))
                                   (i32.const 2))
                          (i32.add (global.get $DIST)
                            (i32.shl (i32.sub (i32.sub (local.get $qlo) (local.get $dx)) (local.get $loX)) (i32.const 2)))
                          (i32.add (global.get $U)
                            (i32.shl (i32.add (i32.sub (i32.sub (local.get $pBase) (local.get $dx)) (local.get $loX))
                                              (local.get $qlo))
                                     (i32.const 2)))
                          (i32.sub (local.get $qhi) (local.get $qlo)))))))
                (local.set $y (i32.add (local.get $y) (i32.const 1)))
                (br $yLoop)))))
        (local.set $zz (i32.add (local.get $zz) (i32.const 1)))
        (local.set $planeNo (i32.add (local.get $planeNo) (i32.const 1)))
        (br $zLoop))))

  ;; Runs offsets first … first+count−1 of OFFS. The f32 sums go into the f64 ones after every FLUSH_EVERY-th offset
  ;; and after the last, counted from the first offset: the result does not depend on how the caller batches calls.
  (func (export "run") (param $first i32) (param $count i32)
    (local $i i32) (local $end i32) (local $a i32)
    (local.set $i (local.get $first))
    (local.set $end (i32.add (local.get $first) (local.get $count)))
    (local.set $a (i32.add (global.get $OFFS) (i32.mul (local.get $first) (i32.const 12))))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_s (local.get $i) (local.get $end)))
        (call $offset (i32.load (local.get $a)) (i32.load offset=4 (local.get $a)) (i32.load offset=8 (local.get $a)))
        (local.set $a (i32.add (local.get $a) (i32.const 12)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (if (i32.or (i32.eqz (i32.rem_u (local.get $i) (global.get $FLUSH_EVERY)))
                    (i32.eq (local.get $i) (global.get $offsets)))
          (then (call $flush)))
        (br $loop))))
)
