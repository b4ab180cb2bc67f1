;; growRegion of components.ts in WebAssembly: breadth-first region growing over a 3D grid, the one BFS behind flood
;; fill, hole filling (3D and slice by slice) and connected components. The same queue order and the same marks as
;; the JavaScript, so every mask is identical; a command runs these once per volume, cold, and here cold is fast.
;;
;; Compiled by scripts/build-wasm.js (the `wabt` npm package) into grow-wasm.ts; grow.ts lays out memory:
;; allowed (u8 per voxel), marks (i32 per voxel), the queue (i32 per voxel) and the neighbour steps (i32 triples).
;; Addresses are bytes.
(module
  (memory (export "memory") 1)

  ;; From the voxels in queue[0, tail), marks every voxel reachable through allowed voxels that marks does not hold
  ;; yet with `label`, and enqueues it. Steps are `count` (di, dj, dk) triples at `offs`. Returns the new tail.
  (func $grow (export "grow")
    (param $allowed i32) (param $marks i32) (param $label i32) (param $queue i32) (param $tail i32)
    (param $nx i32) (param $ny i32) (param $nz i32) (param $offs i32) (param $count i32) (result i32)
    (local $head i32) (local $idx i32) (local $nxy i32) (local $i i32) (local $j i32) (local $k i32) (local $rest i32)
    (local $o i32) (local $a i32) (local $b i32) (local $c i32) (local $n i32) (local $at i32)
    (local.set $nxy (i32.mul (local.get $nx) (local.get $ny)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $head) (local.get $tail)))
        (local.set $idx (i32.load (i32.add (local.get $queue) (i32.shl (local.get $head) (i32.const 2)))))
        (local.set $head (i32.add (local.get $head) (i32.const 1)))
        (local.set $k (i32.div_u (local.get $idx) (local.get $nxy)))
        (local.set $rest (i32.sub (local.get $idx) (i32.mul (local.get $k) (local.get $nxy))))
        (local.set $j (i32.div_u (local.get $rest) (local.get $nx)))
        (local.set $i (i32.sub (local.get $rest) (i32.mul (local.get $j) (local.get $nx))))
        (local.set $o (i32.const 0))
        (block $stepsDone
          (loop $eachStep
            (br_if $stepsDone (i32.ge_u (local.get $o) (local.get $count)))
            (local.set $at (i32.add (local.get $offs) (i32.mul (local.get $o) (i32.const 12))))
            (local.set $a (i32.add (local.get $i) (i32.load (local.get $at))))
            (local.set $b (i32.add (local.get $j) (i32.load offset=4 (local.get $at))))
            (local.set $c (i32.add (local.get $k) (i32.load offset=8 (local.get $at))))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            ;; off the grid (unsigned compare: −1 is huge)
            (br_if $eachStep (i32.ge_u (local.get $a) (local.get $nx)))
            (br_if $eachStep (i32.ge_u (local.get $b) (local.get $ny)))
            (br_if $eachStep (i32.ge_u (local.get $c) (local.get $nz)))
            (local.set $n (i32.add (local.get $a)
              (i32.add (i32.mul (local.get $b) (local.get $nx)) (i32.mul (local.get $c) (local.get $nxy)))))
            (br_if $eachStep (i32.eqz (i32.load8_u (i32.add (local.get $allowed) (local.get $n)))))
            (br_if $eachStep (i32.load (i32.add (local.get $marks) (i32.shl (local.get $n) (i32.const 2)))))
            (i32.store (i32.add (local.get $marks) (i32.shl (local.get $n) (i32.const 2))) (local.get $label))
            (i32.store (i32.add (local.get $queue) (i32.shl (local.get $tail) (i32.const 2))) (local.get $n))
            (local.set $tail (i32.add (local.get $tail) (i32.const 1)))
            (br $eachStep)))
        (br $next)))
    (local.get $tail))

  ;; Connected components of `allowed`: every unmarked allowed voxel, in index order, seeds a new label (1, 2, …)
  ;; grown through the steps; each component's size goes to sizes[label − 1]. Returns the number of components.
  (func (export "label")
    (param $allowed i32) (param $marks i32) (param $queue i32) (param $sizes i32) (param $nx i32) (param $ny i32)
    (param $nz i32) (param $offs i32) (param $count i32) (result i32)
    (local $s i32) (local $n i32) (local $labels i32) (local $size i32)
    (local.set $n (i32.mul (local.get $nx) (i32.mul (local.get $ny) (local.get $nz))))
    (block $done
      (loop $eachVoxel
        (br_if $done (i32.ge_u (local.get $s) (local.get $n)))
        (if (i32.and
              (i32.ne (i32.load8_u (i32.add (local.get $allowed) (local.get $s))) (i32.const 0))
              (i32.eqz (i32.load (i32.add (local.get $marks) (i32.shl (local.get $s) (i32.const 2))))))
          (then
            (local.set $labels (i32.add (local.get $labels) (i32.const 1)))
            (i32.store (i32.add (local.get $marks) (i32.shl (local.get $s) (i32.const 2))) (local.get $labels))
            (i32.store (local.get $queue) (local.get $s))
            (local.set $size
              (call $grow (local.get $allowed) (local.get $marks) (local.get $labels) (local.get $queue)
                (i32.const 1) (local.get $nx) (local.get $ny) (local.get $nz) (local.get $offs) (local.get $count)))
            (i32.store (i32.add (local.get $sizes) (i32.shl (i32.sub (local.get $labels) (i32.const 1)) (i32.const 2)))
              (local.get $size))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $eachVoxel)))
    (local.get $labels))
)
