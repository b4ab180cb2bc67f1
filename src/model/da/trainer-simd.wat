;; The DA trainer's matrix products on WebAssembly 128-bit SIMD (f32x4): C = A · B, then optionally + bias, ReLU,
;; and the ReLU backward mask × [M > 0]. One export, `gemm`, serves every product of the training step
;; (trainer-simd.ts): A is addressed through two byte strides (a + i·aRow + k·aDepth), so a transposed operand (Xᵀ in
;; the weight gradients Xᵀ·dZ) is read in place; aRow = aDepth = 0 on a 1.0 makes A a row of ones (bias gradients,
;; the column sums of dZ).
;;
;; Register tiles of 4 rows × 8 columns (8 f32x4 accumulators, two B vectors and one broadcast A value: 11 of the
;; 16 SIMD registers of x86-64 and ARM64; 5 or 6 rows spill and measured slower). Each C element is the sum over k in
;; order, in f32, so results do not depend on the tiling or on the batch; `accumulate` continues sums already in C,
;; which lets the caller split k into cache-sized blocks (same order, same result). n must be a multiple of 8.
;;
;; Written unrolled (the tile's four rows) rather than generated, so that this file is the whole source.
(module
  (memory (export "memory") 1)
  ;; The current product (set by gemm for the tile functions).
  (global $A (mut i32) (i32.const 0))
  (global $aRow (mut i32) (i32.const 0))
  (global $aRow1 (mut i32) (i32.const 0))
  (global $aRow2 (mut i32) (i32.const 0))
  (global $aRow3 (mut i32) (i32.const 0))
  (global $aDepth (mut i32) (i32.const 0))
  (global $B (mut i32) (i32.const 0))
  (global $ldb (mut i32) (i32.const 0))
  (global $C (mut i32) (i32.const 0))
  (global $ldc (mut i32) (i32.const 0))
  (global $bias (mut i32) (i32.const 0))
  (global $relu (mut i32) (i32.const 0))
  (global $mask (mut i32) (i32.const 0))
  (global $accumulate (mut i32) (i32.const 0))

  ;; Stores one row's 8 sums at C(i, j..j+8): + bias, then ReLU, then × [mask(i, j..) > 0] (mask laid out as C).
  (func $finish (param $i i32) (param $j i32) (param $v0 v128) (param $v1 v128)
    (local $off i32) (local $pm i32)
    (local.set $off (i32.add (i32.mul (local.get $i) (global.get $ldc)) (i32.shl (local.get $j) (i32.const 2))))
    (if (global.get $bias) (then
      (local.set $pm (i32.add (global.get $bias) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $v0 (f32x4.add (local.get $v0) (v128.load (local.get $pm))))
      (local.set $v1 (f32x4.add (local.get $v1) (v128.load offset=16 (local.get $pm))))))
    (if (global.get $relu) (then
      (local.set $v0 (f32x4.max (local.get $v0) (v128.const f32x4 0 0 0 0)))
      (local.set $v1 (f32x4.max (local.get $v1) (v128.const f32x4 0 0 0 0)))))
    (if (global.get $mask) (then
      (local.set $pm (i32.add (global.get $mask) (local.get $off)))
      (local.set $v0 (v128.and (local.get $v0) (f32x4.gt (v128.load (local.get $pm)) (v128.const f32x4 0 0 0 0))))
      (local.set $v1 (v128.and (local.get $v1) (f32x4.gt (v128.load offset=16 (local.get $pm)) (v128.const f32x4 0 0 0 0))))))
    (local.set $pm (i32.add (global.get $C) (local.get $off)))
    (v128.store (local.get $pm) (local.get $v0))
    (v128.store offset=16 (local.get $pm) (local.get $v1)))

  ;; C rows [i, i+4) × columns [j, j+8): Σ_k A(i+r, k) · B(k, j..j+8), then the epilogue per row.
  (func $tile
    (param $i i32) (param $j i32) (param $k i32)
    (local $pa i32) (local $pb i32) (local $pc i32) (local $n i32) (local $av v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128)
    (local $c01 v128)
    (local $c10 v128)
    (local $c11 v128)
    (local $c20 v128)
    (local $c21 v128)
    (local $c30 v128)
    (local $c31 v128)
    (local.set $pa (i32.add (global.get $A) (i32.mul (local.get $i) (global.get $aRow))))
    (local.set $pb (i32.add (global.get $B) (i32.shl (local.get $j) (i32.const 2))))
    (local.set $n (local.get $k))
    (if (global.get $accumulate) (then
      (local.set $pc (i32.add (i32.add (global.get $C) (i32.mul (local.get $i) (global.get $ldc))) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $c00 (v128.load (local.get $pc)))
      (local.set $c01 (v128.load offset=16 (local.get $pc)))
      (local.set $pc (i32.add (local.get $pc) (global.get $ldc)))
      (local.set $c10 (v128.load (local.get $pc)))
      (local.set $c11 (v128.load offset=16 (local.get $pc)))
      (local.set $pc (i32.add (local.get $pc) (global.get $ldc)))
      (local.set $c20 (v128.load (local.get $pc)))
      (local.set $c21 (v128.load offset=16 (local.get $pc)))
      (local.set $pc (i32.add (local.get $pc) (global.get $ldc)))
      (local.set $c30 (v128.load (local.get $pc)))
      (local.set $c31 (v128.load offset=16 (local.get $pc)))
      (local.set $pc (i32.add (local.get $pc) (global.get $ldc)))
    ))
    (loop $depth
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $b1 (v128.load offset=16 (local.get $pb)))
      (local.set $av (v128.load32_splat (local.get $pa)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $av (v128.load32_splat (i32.add (local.get $pa) (global.get $aRow1))))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $av (v128.load32_splat (i32.add (local.get $pa) (global.get $aRow2))))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $av (v128.load32_splat (i32.add (local.get $pa) (global.get $aRow3))))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $pa (i32.add (local.get $pa) (global.get $aDepth)))
      (local.set $pb (i32.add (local.get $pb) (global.get $ldb)))
      (br_if $depth (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (call $finish (i32.add (local.get $i) (i32.const 0)) (local.get $j) (local.get $c00) (local.get $c01))
    (call $finish (i32.add (local.get $i) (i32.const 1)) (local.get $j) (local.get $c10) (local.get $c11))
    (call $finish (i32.add (local.get $i) (i32.const 2)) (local.get $j) (local.get $c20) (local.get $c21))
    (call $finish (i32.add (local.get $i) (i32.const 3)) (local.get $j) (local.get $c30) (local.get $c31))
  )

  ;; C rows [i, i+1) × columns [j, j+8): Σ_k A(i+r, k) · B(k, j..j+8), then the epilogue per row.
  (func $tile1
    (param $i i32) (param $j i32) (param $k i32)
    (local $pa i32) (local $pb i32) (local $pc i32) (local $n i32) (local $av v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128)
    (local $c01 v128)
    (local.set $pa (i32.add (global.get $A) (i32.mul (local.get $i) (global.get $aRow))))
    (local.set $pb (i32.add (global.get $B) (i32.shl (local.get $j) (i32.const 2))))
    (local.set $n (local.get $k))
    (if (global.get $accumulate) (then
      (local.set $pc (i32.add (i32.add (global.get $C) (i32.mul (local.get $i) (global.get $ldc))) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $c00 (v128.load (local.get $pc)))
      (local.set $c01 (v128.load offset=16 (local.get $pc)))
      (local.set $pc (i32.add (local.get $pc) (global.get $ldc)))
    ))
    (loop $depth
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $b1 (v128.load offset=16 (local.get $pb)))
      (local.set $av (v128.load32_splat (local.get $pa)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $pa (i32.add (local.get $pa) (global.get $aDepth)))
      (local.set $pb (i32.add (local.get $pb) (global.get $ldb)))
      (br_if $depth (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (call $finish (i32.add (local.get $i) (i32.const 0)) (local.get $j) (local.get $c00) (local.get $c01))
  )

  ;; C (m×n) = A (m×k) · B (k×n), k ≥ 1, n a multiple of 8. All addresses and strides in bytes: A(i, k) at
  ;; a + i·aRow + k·aDepth; B and C row-major with row strides ldb and ldc. bias: 0 or n floats added to every row;
  ;; relu: 1 clamps at 0; mask: 0 or a matrix laid out as C whose elements ≤ 0 zero C's; accumulate: 1 adds to the
  ;; sums already in C (then the epilogue is applied to the total: pass bias/relu/mask with the last block only).
  (func (export "gemm")
    (param $m i32) (param $n i32) (param $k i32) (param $a i32) (param $aRow i32) (param $aDepth i32)
    (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32) (param $bias i32) (param $relu i32) (param $mask i32) (param $accumulate i32)
    (local $i i32) (local $j i32)
    (global.set $A (local.get $a))
    (global.set $aRow (local.get $aRow))
    (global.set $aRow1 (local.get $aRow))
    (global.set $aRow2 (i32.mul (local.get $aRow) (i32.const 2)))
    (global.set $aRow3 (i32.mul (local.get $aRow) (i32.const 3)))
    (global.set $aDepth (local.get $aDepth))
    (global.set $B (local.get $b))
    (global.set $ldb (local.get $ldb))
    (global.set $C (local.get $c))
    (global.set $ldc (local.get $ldc))
    (global.set $bias (local.get $bias))
    (global.set $relu (local.get $relu))
    (global.set $mask (local.get $mask))
    (global.set $accumulate (local.get $accumulate))
    (block $doneI (loop $rows
      (br_if $doneI (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
      (local.set $j (i32.const 0))
      (loop $cols
        (call $tile (local.get $i) (local.get $j) (local.get $k))
        (br_if $cols (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 8))) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $rows)))
    (block $doneR (loop $rest
      (br_if $doneR (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $j (i32.const 0))
      (loop $cols
        (call $tile1 (local.get $i) (local.get $j) (local.get $k))
        (br_if $cols (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 8))) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rest))))
)

