/**
 * `RunClassifier`'s numeric work as a WebAssembly kernel (SIMD, no relaxed-simd):
 * - `levels`: the level runs of each low-res row (f32x4, eight values a step inside the outer
 *   runs), with float32 thresholds that give exactly the float64 comparisons (`floor32`);
 * - `strip`: one strip of output rows from its segments (known level, or exact): the exact
 *   values (both stages of `LogitUpsampler.finalRows` and the last vertical pass), the counts above
 *   lo and hi, the mask's runs above t joined across segments, its area and box.
 *
 * Every value is rounded as the JavaScript path rounds it: the weighted sum w0·a + w1·b of float32
 * values in float64 (the products are exact there), rounded once to float32 (f64x2 lanes, each
 * rounded as the scalar step), so the results are bit-identical (tests compare both paths on random
 * planes with values at and one float32 step from the cutoffs). The kernel reads a copy of the
 * plane's used rows in its own linear memory (`load`) and the taps of both axes, copied once per
 * geometry. The module imports only Node's WebAssembly; the classifier worker loads the same code.
 */
import type { WasmApi, WasmMemory, WASM_PAGE } from '@plaf/core'
import type { LogitUpsampler } from './upsample-window.js'

/** The kernel's source; `EXACT_WASM` is its binary (wabt 1.0.39 `parseWat` + `toBinary`, checked by a test). */
export const EXACT_WAT = `(module
  (memory (import "env" "memory") 1 16384 shared)
  (global $hb (import "env" "header") i32)
  (func $horizontal (param $src i32) (param $stride i32) (param $rows i32) (param $ti0 i32) (param $ti1 i32) (param $tw0 i32) (param $tw1 i32) (param $x0 i32) (param $x1 i32) (param $out i32)
    (local $k i32) (local $end i32) (local $a i32) (local $b i32) (local $p i32) (local $pe i32) (local $pe2 i32) (local $wb i32) (local $w0 f64) (local $w1 f64)
    (local $w0v v128) (local $w1v v128) (local $r v128) (local $stride2 i32) (local $wb2 i32)
    (local.set $wb (i32.shl (i32.sub (local.get $x1) (local.get $x0)) (i32.const 2)))
    (local.set $wb2 (i32.shl (local.get $wb) (i32.const 1)))
    (local.set $stride2 (i32.shl (local.get $stride) (i32.const 1)))
    (local.set $k (i32.shl (local.get $x0) (i32.const 2)))
    (local.set $end (i32.shl (local.get $x1) (i32.const 2)))
    (block $done
      (loop $cols
        (br_if $done (i32.ge_s (local.get $k) (local.get $end)))
        (local.set $a (i32.add (local.get $src) (i32.shl (i32.load (i32.add (local.get $ti0) (local.get $k))) (i32.const 2))))
        (local.set $b (i32.add (local.get $src) (i32.shl (i32.load (i32.add (local.get $ti1) (local.get $k))) (i32.const 2))))
        (local.set $w0 (f64.promote_f32 (f32.load (i32.add (local.get $tw0) (local.get $k)))))
        (local.set $w1 (f64.promote_f32 (f32.load (i32.add (local.get $tw1) (local.get $k)))))
        (local.set $w0v (f64x2.splat (local.get $w0)))
        (local.set $w1v (f64x2.splat (local.get $w1)))
        (local.set $p (local.get $out))
        (local.set $pe (i32.add (local.get $out) (i32.mul (local.get $rows) (local.get $wb))))
        (local.set $pe2 (i32.add (local.get $out) (i32.mul (i32.and (local.get $rows) (i32.const -2)) (local.get $wb))))
        ;; two rows a step (same taps): one f64x2 sum, each lane rounded to float32
        (block $rdone2
          (loop $rows2
            (br_if $rdone2 (i32.ge_u (local.get $p) (local.get $pe2)))
            (local.set $r
              (f32x4.demote_f64x2_zero (f64x2.add
                (f64x2.mul (local.get $w0v) (f64x2.promote_low_f32x4
                  (v128.load32_lane 1 (i32.add (local.get $a) (local.get $stride)) (v128.load32_zero (local.get $a)))))
                (f64x2.mul (local.get $w1v) (f64x2.promote_low_f32x4
                  (v128.load32_lane 1 (i32.add (local.get $b) (local.get $stride)) (v128.load32_zero (local.get $b))))))))
            (v128.store32_lane 0 (local.get $p) (local.get $r))
            (v128.store32_lane 1 (i32.add (local.get $p) (local.get $wb)) (local.get $r))
            (local.set $a (i32.add (local.get $a) (local.get $stride2)))
            (local.set $b (i32.add (local.get $b) (local.get $stride2)))
            (local.set $p (i32.add (local.get $p) (local.get $wb2)))
            (br $rows2)))
        (if (i32.lt_u (local.get $p) (local.get $pe))
          (then
            (f32.store (local.get $p)
              (f32.demote_f64 (f64.add
                (f64.mul (local.get $w0) (f64.promote_f32 (f32.load (local.get $a))))
                (f64.mul (local.get $w1) (f64.promote_f32 (f32.load (local.get $b)))))))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $cols))))
  (func $vertical (param $mid i32) (param $r0 i32) (param $iw i32) (param $j0 i32) (param $j1 i32) (param $ti0 i32) (param $ti1 i32) (param $tw0 i32) (param $tw1 i32) (param $out i32)
    (local $k i32) (local $a i32) (local $b i32) (local $p i32) (local $pe i32) (local $rb i32) (local $w0 f64) (local $w1 f64) (local $v0 v128) (local $v1 v128)
    (local.set $rb (i32.shl (local.get $iw) (i32.const 2)))
    (local.set $k (i32.shl (local.get $j0) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_s (local.get $j0) (local.get $j1)))
        (local.set $a (i32.add (local.get $mid) (i32.mul (i32.sub (i32.load (i32.add (local.get $ti0) (local.get $k))) (local.get $r0)) (local.get $rb))))
        (local.set $b (i32.add (local.get $mid) (i32.mul (i32.sub (i32.load (i32.add (local.get $ti1) (local.get $k))) (local.get $r0)) (local.get $rb))))
        (local.set $w0 (f64.promote_f32 (f32.load (i32.add (local.get $tw0) (local.get $k)))))
        (local.set $w1 (f64.promote_f32 (f32.load (i32.add (local.get $tw1) (local.get $k)))))
        (local.set $v0 (f64x2.splat (local.get $w0)))
        (local.set $v1 (f64x2.splat (local.get $w1)))
        (local.set $p (local.get $out))
        (local.set $pe (i32.add (local.get $out) (i32.and (local.get $rb) (i32.const -8))))
        (block $pdone
          (loop $pairs
            (br_if $pdone (i32.ge_u (local.get $p) (local.get $pe)))
            (v128.store64_lane 0 (local.get $p)
              (f32x4.demote_f64x2_zero (f64x2.add
                (f64x2.mul (local.get $v0) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $a))))
                (f64x2.mul (local.get $v1) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $b)))))))
            (local.set $a (i32.add (local.get $a) (i32.const 8)))
            (local.set $b (i32.add (local.get $b) (i32.const 8)))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (br $pairs)))
        (if (i32.and (local.get $iw) (i32.const 1))
          (then
            (f32.store (local.get $p)
              (f32.demote_f64 (f64.add
                (f64.mul (local.get $w0) (f64.promote_f32 (f32.load (local.get $a))))
                (f64.mul (local.get $w1) (f64.promote_f32 (f32.load (local.get $b)))))))))
        (local.set $out (i32.add (local.get $out) (local.get $rb)))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (local.set $j0 (i32.add (local.get $j0) (i32.const 1)))
        (br $rows))))
  ;; The level runs of each used low-res row (RunClassifier.levelRuns): header 108 rowBegin, 112 starts,
  ;; 116 levels (i8), 120 usedW, 124 usedH. Thresholds are float32 (each the largest float32 at or below
  ;; the float64 one, which gives the same comparisons). Returns the largest |value|, or -1 at a NaN or ±Infinity
  ;; outside a run (±Infinity inside one shows in the result).
  (func $levels (export "levels") (param $lm f32) (param $lp f32) (param $tm f32) (param $tp f32) (param $hm f32) (param $hp f32) (result f32)
    (local $r i32) (local $uh i32) (local $uw i32) (local $lw4 i32) (local $row i32) (local $x i32) (local $n i32) (local $prev i32) (local $c i32)
    (local $rb i32) (local $sp i32) (local $lv i32) (local $v f32) (local $big f32) (local $mn f32) (local $mx f32) (local $lo f32) (local $hi f32)
    (local $q v128) (local $r8 v128) (local $mn4 v128) (local $mx4 v128) (local $lmv v128) (local $hpv v128) (local $lov v128) (local $hiv v128) (local $end4 i32) (local $end8 i32) (local $end i32) (local $p i32)
    (local.set $rb (i32.load offset=108 (global.get $hb)))
    (local.set $sp (i32.load offset=112 (global.get $hb)))
    (local.set $lv (i32.load offset=116 (global.get $hb)))
    (local.set $uw (i32.load offset=120 (global.get $hb)))
    (local.set $uh (i32.load offset=124 (global.get $hb)))
    (local.set $lw4 (i32.shl (i32.load offset=4 (global.get $hb)) (i32.const 2)))
    (local.set $row (i32.load offset=8 (global.get $hb)))
    (local.set $lmv (f32x4.splat (local.get $lm)))
    (local.set $hpv (f32x4.splat (local.get $hp)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_s (local.get $r) (local.get $uh)))
        (i32.store (i32.add (local.get $rb) (i32.shl (local.get $r) (i32.const 2))) (local.get $n))
        (local.set $prev (i32.const 4))
        (local.set $p (local.get $row))
        (local.set $end (i32.add (local.get $row) (i32.shl (local.get $uw) (i32.const 2))))
        (local.set $end4 (i32.sub (local.get $end) (i32.const 12)))
        (local.set $end8 (i32.sub (local.get $end) (i32.const 28)))
        (block $xDone
          (loop $xs
            (br_if $xDone (i32.ge_u (local.get $p) (local.get $end)))
            ;; a value outside its run's interval: its level, NaN and magnitude checked
            (local.set $v (f32.load (local.get $p)))
            (if (f32.ne (f32.sub (local.get $v) (local.get $v)) (f32.const 0)) (then (return (f32.const -1))))
            (local.set $big (f32.max (local.get $big) (f32.abs (local.get $v))))
            (local.set $c
              (if (result i32) (f32.gt (local.get $v) (local.get $lp))
                (then
                  (if (result i32) (f32.gt (local.get $v) (local.get $tp))
                    (then (if (result i32) (f32.gt (local.get $v) (local.get $hp)) (then (i32.const 3)) (else (select (i32.const -1) (i32.const 2) (f32.gt (local.get $v) (local.get $hm))))))
                    (else (select (i32.const -1) (i32.const 1) (f32.gt (local.get $v) (local.get $tm))))))
                (else (select (i32.const -1) (i32.const 0) (f32.gt (local.get $v) (local.get $lm))))))
            (if (i32.ne (local.get $c) (local.get $prev))
              (then
                (i32.store (i32.add (local.get $sp) (i32.shl (local.get $n) (i32.const 2))) (i32.shr_u (i32.sub (local.get $p) (local.get $row)) (i32.const 2)))
                (i32.store8 (i32.add (local.get $lv) (local.get $n)) (local.get $c))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))
                (local.set $prev (local.get $c))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (if (i32.eqz (local.get $c))
              (then
                ;; eight values a step while all stay at or below lm, then four, then one
                (block $d8 (loop $l8
                  (br_if $d8 (i32.ge_u (local.get $p) (local.get $end8)))
                  (local.set $q (v128.load (local.get $p)))
                  (local.set $r8 (v128.load offset=16 (local.get $p)))
                  (br_if $d8 (i32.eqz (i32x4.all_true (v128.and (f32x4.le (local.get $q) (local.get $lmv)) (f32x4.le (local.get $r8) (local.get $lmv))))))
                  (local.set $mn4 (f32x4.pmin (local.get $mn4) (f32x4.pmin (local.get $q) (local.get $r8))))
                  (local.set $p (i32.add (local.get $p) (i32.const 32)))
                  (br $l8)))
                (block $d4 (loop $l4
                  (br_if $d4 (i32.ge_u (local.get $p) (local.get $end4)))
                  (local.set $q (v128.load (local.get $p)))
                  (br_if $d4 (i32.eqz (i32x4.all_true (f32x4.le (local.get $q) (local.get $lmv)))))
                  (local.set $mn4 (f32x4.pmin (local.get $mn4) (local.get $q)))
                  (local.set $p (i32.add (local.get $p) (i32.const 16)))
                  (br $l4)))
                (block $d1 (loop $l1
                  (br_if $d1 (i32.ge_u (local.get $p) (local.get $end)))
                  (local.set $v (f32.load (local.get $p)))
                  (br_if $d1 (i32.eqz (f32.le (local.get $v) (local.get $lm))))
                  (local.set $mn (f32.min (local.get $mn) (local.get $v)))
                  (local.set $p (i32.add (local.get $p) (i32.const 4)))
                  (br $l1))))
              (else
                (if (i32.eq (local.get $c) (i32.const 3))
                  (then
                    (block $d8 (loop $l8
                      (br_if $d8 (i32.ge_u (local.get $p) (local.get $end8)))
                      (local.set $q (v128.load (local.get $p)))
                      (local.set $r8 (v128.load offset=16 (local.get $p)))
                      (br_if $d8 (i32.eqz (i32x4.all_true (v128.and (f32x4.gt (local.get $q) (local.get $hpv)) (f32x4.gt (local.get $r8) (local.get $hpv))))))
                      (local.set $mx4 (f32x4.pmax (local.get $mx4) (f32x4.pmax (local.get $q) (local.get $r8))))
                      (local.set $p (i32.add (local.get $p) (i32.const 32)))
                      (br $l8)))
                    (block $d4 (loop $l4
                      (br_if $d4 (i32.ge_u (local.get $p) (local.get $end4)))
                      (local.set $q (v128.load (local.get $p)))
                      (br_if $d4 (i32.eqz (i32x4.all_true (f32x4.gt (local.get $q) (local.get $hpv)))))
                      (local.set $mx4 (f32x4.pmax (local.get $mx4) (local.get $q)))
                      (local.set $p (i32.add (local.get $p) (i32.const 16)))
                      (br $l4)))
                    (block $d1 (loop $l1
                      (br_if $d1 (i32.ge_u (local.get $p) (local.get $end)))
                      (local.set $v (f32.load (local.get $p)))
                      (br_if $d1 (i32.eqz (f32.gt (local.get $v) (local.get $hp))))
                      (local.set $mx (f32.max (local.get $mx) (local.get $v)))
                      (local.set $p (i32.add (local.get $p) (i32.const 4)))
                      (br $l1))))
                  (else
                    (if (i32.gt_s (local.get $c) (i32.const 0))
                      (then
                        ;; between two cutoffs: (lo, hi]
                        (local.set $lo (select (local.get $lp) (local.get $tp) (i32.eq (local.get $c) (i32.const 1))))
                        (local.set $hi (select (local.get $tm) (local.get $hm) (i32.eq (local.get $c) (i32.const 1))))
                        (local.set $lov (f32x4.splat (local.get $lo)))
                        (local.set $hiv (f32x4.splat (local.get $hi)))
                        (block $d4 (loop $l4
                          (br_if $d4 (i32.ge_u (local.get $p) (local.get $end4)))
                          (local.set $q (v128.load (local.get $p)))
                          (br_if $d4 (i32.eqz (i32x4.all_true (v128.and (f32x4.gt (local.get $q) (local.get $lov)) (f32x4.le (local.get $q) (local.get $hiv))))))
                          (local.set $p (i32.add (local.get $p) (i32.const 16)))
                          (br $l4)))
                        (block $d1 (loop $l1
                          (br_if $d1 (i32.ge_u (local.get $p) (local.get $end)))
                          (local.set $v (f32.load (local.get $p)))
                          (br_if $d1 (i32.eqz (i32.and (f32.gt (local.get $v) (local.get $lo)) (f32.le (local.get $v) (local.get $hi)))))
                          (local.set $p (i32.add (local.get $p) (i32.const 4)))
                          (br $l1)))))))))
            (br $xs)))
        (local.set $row (i32.add (local.get $row) (local.get $lw4)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows)))
    (i32.store (i32.add (local.get $rb) (i32.shl (local.get $uh) (i32.const 2))) (local.get $n))
    (local.set $mn (f32.min (f32.min (local.get $mn) (f32.min (f32x4.extract_lane 0 (local.get $mn4)) (f32x4.extract_lane 1 (local.get $mn4))))
      (f32.min (f32x4.extract_lane 2 (local.get $mn4)) (f32x4.extract_lane 3 (local.get $mn4)))))
    (local.set $mx (f32.max (f32.max (local.get $mx) (f32.max (f32x4.extract_lane 0 (local.get $mx4)) (f32x4.extract_lane 1 (local.get $mx4))))
      (f32.max (f32x4.extract_lane 2 (local.get $mx4)) (f32x4.extract_lane 3 (local.get $mx4)))))
    (f32.max (local.get $big) (f32.max (f32.neg (local.get $mn)) (local.get $mx))))
  ;; Header (i32 / f32 at byte offsets): 0 kind (0 direct, 1 resize-pad), 4 lw (floats), 8 low plane,
  ;; 12-24 x stage-2 taps i0 i1 w0 w1, 28-40 y stage-2 taps, 44-56 x stage-1 taps, 60-72 y stage-1 taps,
  ;; 76 exact values (scratch), 80 lo, 84 t, 88 hi (f32), 92 segments, 100 union, 104 inter,
  ;; 108-124 the level runs' arrays and the used width and height (see $levels), 128 runs,
  ;; 132 run count, 136 area, 140 x0, 144 x1, 148 y0, 152 y1 (the box, inclusive), 156 stage-1 scratch.
  ;; The mask's runs so far: (y, x0, x1) triples, x1 exclusive, $cnt of them at $runs.
  (global $runs (mut i32) (i32.const 0))
  (global $cnt (mut i32) (i32.const 0))
  ;; Appends run [a, b) of row y, joining it to the row's last run (the row's runs start at $rowStart) when they touch.
  (func $addRun (param $y i32) (param $a i32) (param $b i32) (param $rowStart i32)
    (local $p i32)
    (local.set $p (i32.add (global.get $runs) (i32.mul (global.get $cnt) (i32.const 12))))
    (if (i32.and (i32.gt_s (global.get $cnt) (local.get $rowStart)) (i32.eq (i32.load (i32.sub (local.get $p) (i32.const 4))) (local.get $a)))
      (then (i32.store (i32.sub (local.get $p) (i32.const 4)) (local.get $b)))
      (else
        (i32.store (local.get $p) (local.get $y))
        (i32.store offset=4 (local.get $p) (local.get $a))
        (i32.store offset=8 (local.get $p) (local.get $b))
        (global.set $cnt (i32.add (global.get $cnt) (i32.const 1))))))
  ;; One strip of output rows [ys, ye): its nseg segments (x0, x1, level, -) at header 92 cover the row
  ;; left to right; a level >= 0 is known for the whole segment, -1 means evaluate exactly. Adds the
  ;; strip's runs, counts, area and box to those in the header.
  (func $strip (export "strip") (param $ys i32) (param $ye i32) (param $nseg i32)
    (local $seg i32) (local $segEnd i32) (local $x0 i32) (local $x1 i32) (local $w i32) (local $wb i32) (local $L i32)
    (local $jy0 i32) (local $nj i32) (local $jx0 i32) (local $iw i32) (local $r0 i32) (local $r1 i32)
    (local $mid i32) (local $inter i32) (local $vals i32) (local $rowStart i32) (local $start i32)
    (local $y i32) (local $k i32) (local $a i32) (local $b i32) (local $ae i32) (local $x i32) (local $r i32)
    (local $w0 f64) (local $w1 f64) (local $v f32) (local $lo f32) (local $t f32) (local $hi f32)
    (local $s i32) (local $prev i32) (local $union i32) (local $int i32) (local $lw4 i32) (local $n i32)
    (local $w0v v128) (local $w1v v128) (local $va v128) (local $vb v128) (local $v4 v128) (local $lov v128) (local $tv v128) (local $hiv v128)
    (local $union4 v128) (local $inter4 v128) (local $bits i32) (local $ae4 i32)
    (local $ja i32) (local $jb i32) (local $area i32) (local $bx0 i32) (local $bx1 i32) (local $by0 i32) (local $by1 i32)
    (local.set $lo (f32.load offset=80 (global.get $hb)))
    (local.set $t (f32.load offset=84 (global.get $hb)))
    (local.set $hi (f32.load offset=88 (global.get $hb)))
    (local.set $lov (f32x4.splat (local.get $lo)))
    (local.set $tv (f32x4.splat (local.get $t)))
    (local.set $hiv (f32x4.splat (local.get $hi)))
    (local.set $lw4 (i32.shl (i32.load offset=4 (global.get $hb)) (i32.const 2)))
    (local.set $segEnd (i32.add (i32.load offset=92 (global.get $hb)) (i32.shl (local.get $nseg) (i32.const 4))))
    ;; the last stage's source rows of the strip
    (local.set $jy0 (i32.load (i32.add (i32.load offset=28 (global.get $hb)) (i32.shl (local.get $ys) (i32.const 2)))))
    (local.set $nj (i32.sub (i32.add (i32.load (i32.add (i32.load offset=32 (global.get $hb)) (i32.shl (i32.sub (local.get $ye) (i32.const 1)) (i32.const 2)))) (i32.const 1)) (local.get $jy0)))
    ;; the exact segments up to the last pass, each into its own values (rows jy0 ..., width x1 - x0)
    (local.set $vals (i32.load offset=76 (global.get $hb)))
    (local.set $seg (i32.load offset=92 (global.get $hb)))
    (block $segsDone
      (loop $segs
        (br_if $segsDone (i32.ge_u (local.get $seg) (local.get $segEnd)))
        (if (i32.eq (i32.load offset=8 (local.get $seg)) (i32.const -1))
          (then
            (local.set $x0 (i32.load (local.get $seg)))
            (local.set $x1 (i32.load offset=4 (local.get $seg)))
            (i32.store offset=12 (local.get $seg) (local.get $vals))
            (local.set $w (i32.sub (local.get $x1) (local.get $x0)))
            (if (i32.eqz (i32.load offset=0 (global.get $hb)))
              (then
                ;; direct: the horizontal pass on the low-res rows
                (call $horizontal
                  (i32.add (i32.load offset=8 (global.get $hb)) (i32.mul (local.get $jy0) (local.get $lw4)))
                  (local.get $lw4) (local.get $nj)
                  (i32.load offset=12 (global.get $hb)) (i32.load offset=16 (global.get $hb)) (i32.load offset=20 (global.get $hb)) (i32.load offset=24 (global.get $hb))
                  (local.get $x0) (local.get $x1) (local.get $vals)))
              (else
                ;; resize-pad: stage 1 (rows, then columns) on the intermediate columns and rows stage 2 reads, then stage 2's horizontal pass
                (local.set $jx0 (i32.load (i32.add (i32.load offset=12 (global.get $hb)) (i32.shl (local.get $x0) (i32.const 2)))))
                (local.set $iw (i32.sub (i32.add (i32.load (i32.add (i32.load offset=16 (global.get $hb)) (i32.shl (i32.sub (local.get $x1) (i32.const 1)) (i32.const 2)))) (i32.const 1)) (local.get $jx0)))
                (local.set $r0 (i32.load (i32.add (i32.load offset=60 (global.get $hb)) (i32.shl (local.get $jy0) (i32.const 2)))))
                (local.set $r1 (i32.add (i32.load (i32.add (i32.load offset=64 (global.get $hb)) (i32.shl (i32.sub (i32.add (local.get $jy0) (local.get $nj)) (i32.const 1)) (i32.const 2)))) (i32.const 1)))
                (local.set $mid (i32.load offset=156 (global.get $hb)))
                (local.set $inter (i32.add (local.get $mid) (i32.shl (i32.mul (i32.sub (local.get $r1) (local.get $r0)) (local.get $iw)) (i32.const 2))))
                (call $horizontal
                  (i32.add (i32.load offset=8 (global.get $hb)) (i32.mul (local.get $r0) (local.get $lw4)))
                  (local.get $lw4) (i32.sub (local.get $r1) (local.get $r0))
                  (i32.load offset=44 (global.get $hb)) (i32.load offset=48 (global.get $hb)) (i32.load offset=52 (global.get $hb)) (i32.load offset=56 (global.get $hb))
                  (local.get $jx0) (i32.add (local.get $jx0) (local.get $iw)) (local.get $mid))
                (call $vertical (local.get $mid) (local.get $r0) (local.get $iw) (local.get $jy0) (i32.add (local.get $jy0) (local.get $nj))
                  (i32.load offset=60 (global.get $hb)) (i32.load offset=64 (global.get $hb)) (i32.load offset=68 (global.get $hb)) (i32.load offset=72 (global.get $hb)) (local.get $inter))
                (call $horizontal
                  (i32.sub (local.get $inter) (i32.shl (local.get $jx0) (i32.const 2)))
                  (i32.shl (local.get $iw) (i32.const 2)) (local.get $nj)
                  (i32.load offset=12 (global.get $hb)) (i32.load offset=16 (global.get $hb)) (i32.load offset=20 (global.get $hb)) (i32.load offset=24 (global.get $hb))
                  (local.get $x0) (local.get $x1) (local.get $vals))))
            (local.set $vals (i32.add (local.get $vals) (i32.shl (i32.mul (local.get $nj) (local.get $w)) (i32.const 2))))))
        (local.set $seg (i32.add (local.get $seg) (i32.const 16)))
        (br $segs)))
    ;; row by row, segment by segment: counts, runs, area and box
    (global.set $runs (i32.load offset=128 (global.get $hb)))
    (global.set $cnt (i32.load offset=132 (global.get $hb)))
    (local.set $area (i32.load offset=136 (global.get $hb)))
    (local.set $bx0 (i32.load offset=140 (global.get $hb)))
    (local.set $bx1 (i32.load offset=144 (global.get $hb)))
    (local.set $by0 (i32.load offset=148 (global.get $hb)))
    (local.set $by1 (i32.load offset=152 (global.get $hb)))
    (local.set $y (local.get $ys))
    (block $ydone
      (loop $rows
        (br_if $ydone (i32.ge_s (local.get $y) (local.get $ye)))
        (local.set $rowStart (global.get $cnt))
        (local.set $k (i32.shl (local.get $y) (i32.const 2)))
        (local.set $ja (i32.sub (i32.load (i32.add (i32.load offset=28 (global.get $hb)) (local.get $k))) (local.get $jy0)))
        (local.set $jb (i32.sub (i32.load (i32.add (i32.load offset=32 (global.get $hb)) (local.get $k))) (local.get $jy0)))
        (local.set $w0 (f64.promote_f32 (f32.load (i32.add (i32.load offset=36 (global.get $hb)) (local.get $k)))))
        (local.set $w1 (f64.promote_f32 (f32.load (i32.add (i32.load offset=40 (global.get $hb)) (local.get $k)))))
        (local.set $w0v (f64x2.splat (local.get $w0)))
        (local.set $w1v (f64x2.splat (local.get $w1)))
        (local.set $seg (i32.load offset=92 (global.get $hb)))
        (block $sdone
          (loop $segs2
            (br_if $sdone (i32.ge_u (local.get $seg) (local.get $segEnd)))
            (local.set $x0 (i32.load (local.get $seg)))
            (local.set $x1 (i32.load offset=4 (local.get $seg)))
            (local.set $L (i32.load offset=8 (local.get $seg)))
            (if (i32.ge_s (local.get $L) (i32.const 0))
              (then
                ;; a known level: counts by width, a run when above t
                (local.set $n (i32.sub (local.get $x1) (local.get $x0)))
                (if (i32.ge_s (local.get $L) (i32.const 1)) (then (local.set $union (i32.add (local.get $union) (local.get $n)))))
                (if (i32.eq (local.get $L) (i32.const 3)) (then (local.set $int (i32.add (local.get $int) (local.get $n)))))
                (if (i32.ge_s (local.get $L) (i32.const 2)) (then (call $addRun (local.get $y) (local.get $x0) (local.get $x1) (local.get $rowStart)))))
              (else
                ;; exact: the last (vertical) pass of this row
                (local.set $wb (i32.shl (i32.sub (local.get $x1) (local.get $x0)) (i32.const 2)))
                (local.set $vals (i32.load offset=12 (local.get $seg)))
                (local.set $a (i32.add (local.get $vals) (i32.mul (local.get $ja) (local.get $wb))))
                (local.set $b (i32.add (local.get $vals) (i32.mul (local.get $jb) (local.get $wb))))
                (local.set $ae (i32.add (local.get $a) (local.get $wb)))
                (local.set $ae4 (i32.sub (local.get $ae) (i32.const 12)))
                (local.set $prev (i32.const 0))
                (local.set $x (local.get $x0))
                ;; four values a step: two f64x2 sums, each lane rounded to float32 as the scalar step does
                (block $d4
                  (loop $x4
                    (br_if $d4 (i32.ge_u (local.get $a) (local.get $ae4)))
                    (local.set $va (v128.load (local.get $a)))
                    (local.set $vb (v128.load (local.get $b)))
                    (local.set $v4 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                      (f32x4.demote_f64x2_zero (f64x2.add
                        (f64x2.mul (local.get $w0v) (f64x2.promote_low_f32x4 (local.get $va)))
                        (f64x2.mul (local.get $w1v) (f64x2.promote_low_f32x4 (local.get $vb)))))
                      (f32x4.demote_f64x2_zero (f64x2.add
                        (f64x2.mul (local.get $w0v) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $va) (local.get $va))))
                        (f64x2.mul (local.get $w1v) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $vb) (local.get $vb))))))))
                    (local.set $union4 (i32x4.sub (local.get $union4) (f32x4.gt (local.get $v4) (local.get $lov))))
                    (local.set $inter4 (i32x4.sub (local.get $inter4) (f32x4.gt (local.get $v4) (local.get $hiv))))
                    (local.set $bits (i32x4.bitmask (f32x4.gt (local.get $v4) (local.get $tv))))
                    ;; a crossing of t among the four (or at their start)
                    (if (i32.ne (local.get $bits) (i32.mul (local.get $prev) (i32.const 15)))
                      (then
                    (local.set $s (i32.and (i32.shr_u (local.get $bits) (i32.const 0)) (i32.const 1)))
                    (if (i32.ne (local.get $s) (local.get $prev))
                      (then
                        (if (local.get $s)
                          (then (local.set $start (i32.add (local.get $x) (i32.const 0))))
                          (else (call $addRun (local.get $y) (local.get $start) (i32.add (local.get $x) (i32.const 0)) (local.get $rowStart))))
                        (local.set $prev (local.get $s))))
                    (local.set $s (i32.and (i32.shr_u (local.get $bits) (i32.const 1)) (i32.const 1)))
                    (if (i32.ne (local.get $s) (local.get $prev))
                      (then
                        (if (local.get $s)
                          (then (local.set $start (i32.add (local.get $x) (i32.const 1))))
                          (else (call $addRun (local.get $y) (local.get $start) (i32.add (local.get $x) (i32.const 1)) (local.get $rowStart))))
                        (local.set $prev (local.get $s))))
                    (local.set $s (i32.and (i32.shr_u (local.get $bits) (i32.const 2)) (i32.const 1)))
                    (if (i32.ne (local.get $s) (local.get $prev))
                      (then
                        (if (local.get $s)
                          (then (local.set $start (i32.add (local.get $x) (i32.const 2))))
                          (else (call $addRun (local.get $y) (local.get $start) (i32.add (local.get $x) (i32.const 2)) (local.get $rowStart))))
                        (local.set $prev (local.get $s))))
                    (local.set $s (i32.and (i32.shr_u (local.get $bits) (i32.const 3)) (i32.const 1)))
                    (if (i32.ne (local.get $s) (local.get $prev))
                      (then
                        (if (local.get $s)
                          (then (local.set $start (i32.add (local.get $x) (i32.const 3))))
                          (else (call $addRun (local.get $y) (local.get $start) (i32.add (local.get $x) (i32.const 3)) (local.get $rowStart))))
                        (local.set $prev (local.get $s))))
                    ))
                    (local.set $x (i32.add (local.get $x) (i32.const 4)))
                    (local.set $a (i32.add (local.get $a) (i32.const 16)))
                    (local.set $b (i32.add (local.get $b) (i32.const 16)))
                    (br $x4)))
                (block $xdone
                  (loop $xs
                    (br_if $xdone (i32.ge_u (local.get $a) (local.get $ae)))
                    (local.set $v (f32.demote_f64 (f64.add
                      (f64.mul (local.get $w0) (f64.promote_f32 (f32.load (local.get $a))))
                      (f64.mul (local.get $w1) (f64.promote_f32 (f32.load (local.get $b)))))))
                    (local.set $union (i32.add (local.get $union) (f32.gt (local.get $v) (local.get $lo))))
                    (local.set $int (i32.add (local.get $int) (f32.gt (local.get $v) (local.get $hi))))
                    (local.set $s (f32.gt (local.get $v) (local.get $t)))
                    (if (i32.ne (local.get $s) (local.get $prev))
                      (then
                        (if (local.get $s)
                          (then (local.set $start (local.get $x)))
                          (else (call $addRun (local.get $y) (local.get $start) (local.get $x) (local.get $rowStart))))
                        (local.set $prev (local.get $s))))
                    (local.set $x (i32.add (local.get $x) (i32.const 1)))
                    (local.set $a (i32.add (local.get $a) (i32.const 4)))
                    (local.set $b (i32.add (local.get $b) (i32.const 4)))
                    (br $xs)))
                (if (local.get $prev) (then (call $addRun (local.get $y) (local.get $start) (local.get $x1) (local.get $rowStart))))))
            (local.set $seg (i32.add (local.get $seg) (i32.const 16)))
            (br $segs2)))
        ;; the row's runs: box and area
        (if (i32.gt_s (global.get $cnt) (local.get $rowStart))
          (then
            (if (i32.lt_s (local.get $by0) (i32.const 0)) (then (local.set $by0 (local.get $y))))
            (local.set $by1 (local.get $y))
            (local.set $r (i32.add (global.get $runs) (i32.mul (local.get $rowStart) (i32.const 12))))
            (if (i32.lt_s (i32.load offset=4 (local.get $r)) (local.get $bx0)) (then (local.set $bx0 (i32.load offset=4 (local.get $r)))))
            (local.set $k (i32.add (global.get $runs) (i32.mul (global.get $cnt) (i32.const 12))))
            (if (i32.gt_s (i32.sub (i32.load (i32.sub (local.get $k) (i32.const 4))) (i32.const 1)) (local.get $bx1))
              (then (local.set $bx1 (i32.sub (i32.load (i32.sub (local.get $k) (i32.const 4))) (i32.const 1)))))
            (block $adone
              (loop $as
                (br_if $adone (i32.ge_u (local.get $r) (local.get $k)))
                (local.set $area (i32.add (local.get $area) (i32.sub (i32.load offset=8 (local.get $r)) (i32.load offset=4 (local.get $r)))))
                (local.set $r (i32.add (local.get $r) (i32.const 12)))
                (br $as)))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows)))
    (local.set $union (i32.add (local.get $union) (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $union4)) (i32x4.extract_lane 1 (local.get $union4)))
      (i32.add (i32x4.extract_lane 2 (local.get $union4)) (i32x4.extract_lane 3 (local.get $union4))))))
    (local.set $int (i32.add (local.get $int) (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $inter4)) (i32x4.extract_lane 1 (local.get $inter4)))
      (i32.add (i32x4.extract_lane 2 (local.get $inter4)) (i32x4.extract_lane 3 (local.get $inter4))))))
    (i32.store offset=100 (global.get $hb) (i32.add (i32.load offset=100 (global.get $hb)) (local.get $union)))
    (i32.store offset=104 (global.get $hb) (i32.add (i32.load offset=104 (global.get $hb)) (local.get $int)))
    (i32.store offset=132 (global.get $hb) (global.get $cnt))
    (i32.store offset=136 (global.get $hb) (local.get $area))
    (i32.store offset=140 (global.get $hb) (local.get $bx0))
    (i32.store offset=144 (global.get $hb) (local.get $bx1))
    (i32.store offset=148 (global.get $hb) (local.get $by0))
    (i32.store offset=152 (global.get $hb) (local.get $by1))))
`

/** The binary of `EXACT_WAT`, base64. */
export const EXACT_WASM = 'AGFzbQEAAAABJQRgCn9/f39/f39/f38AYAZ9fX19fX0BfWAEf39/fwBgA39/fwACIAIDZW52Bm1lbW9yeQIDAYCAAQNlbnYGaGVhZGVyA38AAwYFAAABAgMGCwJ/AUEAC38BQQALBxICBmxldmVscwACBXN0cmlwAAQKyxgFuQIECH8CfAN7An8gCCAHa0ECdCERIBFBAXQhGCABQQF0IRcgB0ECdCEKIAhBAnQhCwJAA0AgCiALTg0BIAAgAyAKaigCAEECdGohDCAAIAQgCmooAgBBAnRqIQ0gBSAKaioCALshEiAGIApqKgIAuyETIBL9FCEUIBP9FCEVIAkhDiAJIAIgEWxqIQ8gCSACQX5xIBFsaiEQAkADQCAOIBBPDQEgFCAMIAFqIAz9XAIA/VYCAAH9X/3yASAVIA0gAWogDf1cAgD9VgIAAf1f/fIB/fAB/V4hFiAOIBb9WgIAACAOIBFqIBb9WgIAASAMIBdqIQwgDSAXaiENIA4gGGohDgwACwsgDiAPSQRAIA4gEiAMKgIAu6IgEyANKgIAu6KgtjgCAAsgCUEEaiEJIApBBGohCgwACwsL+wEDBn8CfAJ7IAJBAnQhDyADQQJ0IQoCQANAIAMgBE4NASAAIAUgCmooAgAgAWsgD2xqIQsgACAGIApqKAIAIAFrIA9saiEMIAcgCmoqAgC7IRAgCCAKaioCALshESAQ/RQhEiAR/RQhEyAJIQ0gCSAPQXhxaiEOAkADQCANIA5PDQEgDSASIAv9XQMA/V/98gEgEyAM/V0DAP1f/fIB/fAB/V79WwMAACALQQhqIQsgDEEIaiEMIA1BCGohDQwACwsgAkEBcQRAIA0gECALKgIAu6IgESAMKgIAu6KgtjgCAAsgCSAPaiEJIApBBGohCiADQQFqIQMMAAsLC+8GBAx/Bn0IewR/IwAoAmwhDyMAKAJwIRAjACgCdCERIwAoAnghCCMAKAJ8IQcjACgCBEECdCEJIwAoAgghCiAA/RMhHCAF/RMhHQJAA0AgBiAHTg0BIA8gBkECdGogDDYCAEEEIQ0gCiEjIAogCEECdGohIiAiQQxrISAgIkEcayEhAkADQCAjICJPDQEgIyoCACESIBIgEpNDAAAAAFwEQEMAAIC/DwsgEyASi5chEyASIAFeBH8gEiADXgR/IBIgBV4Ef0EDBUF/QQIgEiAEXhsLBUF/QQEgEiACXhsLBUF/QQAgEiAAXhsLIQ4gDiANRwRAIBAgDEECdGogIyAKa0ECdjYCACARIAxqIA46AAAgDEEBaiEMIA4hDQsgI0EEaiEjIA5FBEACQANAICMgIU8NASAj/QAEACEYICP9AAQQIRkgGCAc/UUgGSAc/UX9Tv2jAUUNASAaIBggGf3qAf3qASEaICNBIGohIwwACwsCQANAICMgIE8NASAj/QAEACEYIBggHP1F/aMBRQ0BIBogGP3qASEaICNBEGohIwwACwsCQANAICMgIk8NASAjKgIAIRIgEiAAX0UNASAUIBKWIRQgI0EEaiEjDAALCwUgDkEDRgRAAkADQCAjICFPDQEgI/0ABAAhGCAj/QAEECEZIBggHf1EIBkgHf1E/U79owFFDQEgGyAYIBn96wH96wEhGyAjQSBqISMMAAsLAkADQCAjICBPDQEgI/0ABAAhGCAYIB39RP2jAUUNASAbIBj96wEhGyAjQRBqISMMAAsLAkADQCAjICJPDQEgIyoCACESIBIgBV5FDQEgFSASlyEVICNBBGohIwwACwsFIA5BAEoEQCABIAMgDkEBRhshFiACIAQgDkEBRhshFyAW/RMhHiAX/RMhHwJAA0AgIyAgTw0BICP9AAQAIRggGCAe/UQgGCAf/UX9Tv2jAUUNASAjQRBqISMMAAsLAkADQCAjICJPDQEgIyoCACESIBIgFl4gEiAXX3FFDQEgI0EEaiEjDAALCwsLCwwACwsgCiAJaiEKIAZBAWohBgwACwsgDyAHQQJ0aiAMNgIAIBQgGv0fACAa/R8BlpYgGv0fAiAa/R8DlpYhFCAVIBv9HwAgG/0fAZeXIBv9HwIgG/0fA5eXIRUgEyAUjCAVl5cLSQEBfyMBIwJBDGxqIQQjAiADSiAEQQRrKAIAIAFGcQRAIARBBGsgAjYCAAUgBCAANgIAIAQgATYCBCAEIAI2AggjAkEBaiQCCwvVDAYZfwJ8BH0Gfwp7CX8jACoCUCEfIwAqAlQhICMAKgJYISEgH/0TIS0gIP0TIS4gIf0TIS8jACgCBEECdCEmIwAoAlwgAkEEdGohBCMAKAIcIABBAnRqKAIAIQojACgCICABQQFrQQJ0aigCAEEBaiAKayELIwAoAkwhEiMAKAJcIQMCQANAIAMgBE8NASADKAIIQX9GBEAgAygCACEFIAMoAgQhBiADIBI2AgwgBiAFayEHIwAoAgBFBEAjACgCCCAKICZsaiAmIAsjACgCDCMAKAIQIwAoAhQjACgCGCAFIAYgEhAABSMAKAIMIAVBAnRqKAIAIQwjACgCECAGQQFrQQJ0aigCAEEBaiAMayENIwAoAjwgCkECdGooAgAhDiMAKAJAIAogC2pBAWtBAnRqKAIAQQFqIQ8jACgCnAEhECAQIA8gDmsgDWxBAnRqIREjACgCCCAOICZsaiAmIA8gDmsjACgCLCMAKAIwIwAoAjQjACgCOCAMIAwgDWogEBAAIBAgDiANIAogCiALaiMAKAI8IwAoAkAjACgCRCMAKAJIIBEQASARIAxBAnRrIA1BAnQgCyMAKAIMIwAoAhAjACgCFCMAKAIYIAUgBiASEAALIBIgCyAHbEECdGohEgsgA0EQaiEDDAALCyMAKAKAASQBIwAoAoQBJAIjACgCiAEhNiMAKAKMASE3IwAoApABITgjACgClAEhOSMAKAKYASE6IAAhFQJAA0AgFSABTg0BIwIhEyAVQQJ0IRYjACgCHCAWaigCACAKayE0IwAoAiAgFmooAgAgCmshNSMAKAIkIBZqKgIAuyEcIwAoAiggFmoqAgC7IR0gHP0UISggHf0UISkjACgCXCEDAkADQCADIARPDQEgAygCACEFIAMoAgQhBiADKAIIIQkgCUEATgRAIAYgBWshJyAJQQFOBEAgJCAnaiEkCyAJQQNGBEAgJSAnaiElCyAJQQJOBEAgFSAFIAYgExADCwUgBiAFa0ECdCEIIAMoAgwhEiASIDQgCGxqIRcgEiA1IAhsaiEYIBcgCGohGSAZQQxrITNBACEjIAUhGgJAA0AgFyAzTw0BIBf9AAQAISogGP0ABAAhKyAoICr9X/3yASApICv9X/3yAf3wAf1eICggKiAq/Q0ICQoLDA0ODwgJCgsMDQ4P/V/98gEgKSArICv9DQgJCgsMDQ4PCAkKCwwNDg/9X/3yAf3wAf1e/Q0AAQIDBAUGBxAREhMUFRYXISwgMCAsIC39RP2xASEwIDEgLCAv/UT9sQEhMSAsIC79RP2kASEyIDIgI0EPbEcEQCAyQQB2QQFxISIgIiAjRwRAICIEQCAaQQBqIRQFIBUgFCAaQQBqIBMQAwsgIiEjCyAyQQF2QQFxISIgIiAjRwRAICIEQCAaQQFqIRQFIBUgFCAaQQFqIBMQAwsgIiEjCyAyQQJ2QQFxISIgIiAjRwRAICIEQCAaQQJqIRQFIBUgFCAaQQJqIBMQAwsgIiEjCyAyQQN2QQFxISIgIiAjRwRAICIEQCAaQQNqIRQFIBUgFCAaQQNqIBMQAwsgIiEjCwsgGkEEaiEaIBdBEGohFyAYQRBqIRgMAAsLAkADQCAXIBlPDQEgHCAXKgIAu6IgHSAYKgIAu6KgtiEeICQgHiAfXmohJCAlIB4gIV5qISUgHiAgXiEiICIgI0cEQCAiBEAgGiEUBSAVIBQgGiATEAMLICIhIwsgGkEBaiEaIBdBBGohFyAYQQRqIRgMAAsLICMEQCAVIBQgBiATEAMLCyADQRBqIQMMAAsLIwIgE0oEQCA5QQBIBEAgFSE5CyAVITojASATQQxsaiEbIBsoAgQgN0gEQCAbKAIEITcLIwEjAkEMbGohFiAWQQRrKAIAQQFrIDhKBEAgFkEEaygCAEEBayE4CwJAA0AgGyAWTw0BIDYgGygCCCAbKAIEa2ohNiAbQQxqIRsMAAsLCyAVQQFqIRUMAAsLICQgMP0bACAw/RsBaiAw/RsCIDD9GwNqamohJCAlIDH9GwAgMf0bAWogMf0bAiAx/RsDampqISUjACMAKAJkICRqNgJkIwAjACgCaCAlajYCaCMAIwI2AoQBIwAgNjYCiAEjACA3NgKMASMAIDg2ApABIwAgOTYClAEjACA6NgKYAQs='

// Type-only: the classifier worker, run from the sources, may import Node built-ins and relative
// modules only (see `workerScript` in @plaf/core), so the values are taken here as core takes them.
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
const PAGE: typeof WASM_PAGE = 65536
/** Most pages an arena's shared memory may grow to (1 GiB: batches of 37 MB and kernels of about 1 MB at 1296×968). */
const MAX_PAGES = 16384
let exactModule: object | undefined
let privateModule: object | undefined

/**
 * `EXACT_WASM` with its memory import not shared (its limits flags 3 → 1, same maximum): for a
 * kernel in an arena of its own, which one thread uses. Copies into a shared memory are several
 * times slower than into an unshared one (V8 copies word by word), which costs the one-thread path.
 */
function privateBytes(): Uint8Array {
  const bytes = base64Bytes(EXACT_WASM)
  const at = findBytes(bytes, [6, ...[...'memory'].map((c) => c.charCodeAt(0)), 2, 3])
  if (at < 0) throw new Error('ExactKernel: no shared memory import in EXACT_WASM')
  bytes[at + 8] = 1
  return bytes
}

function findBytes(bytes: Uint8Array, pattern: number[]): number {
  outer: for (let i = 0; i + pattern.length <= bytes.length; i++) {
    for (let k = 0; k < pattern.length; k++) if (bytes[i + k] !== pattern[k]) continue outer
    return i
  }
  return -1
}

/** Header fields (byte offsets, see the WAT). */
const H_KIND = 0
const H_LW = 4
const H_LOW = 8
const H_X2 = 12
const H_Y2 = 28
const H_X1 = 44
const H_Y1 = 60
const H_SCRATCH = 76
const H_CUT = 80
const H_SEGS = 92
const H_UNION = 100
const H_INTER = 104
const H_LEVELS = 108
const H_RUNS = 128
const H_COUNT = 132
const H_AREA = 136
const H_BOX = 140
const H_MID = 156
const HEADER = 192

type Taps = { i0: Int32Array; i1: Int32Array; w0: Float32Array; w1: Float32Array }

/** Whether this engine runs WebAssembly (with SIMD: the module fails to compile otherwise). */
export function exactKernelAvailable(): boolean {
  if (!wasm) return false
  try {
    exactModule ??= new wasm.Module(base64Bytes(EXACT_WASM))
    privateModule ??= new wasm.Module(privateBytes())
    return true
  } catch {
    return false
  }
}

const f32One = new Float32Array(1)
const i32One = new Int32Array(f32One.buffer)

/** The largest float32 ≤ x (x finite). */
export function floor32(x: number): number {
  f32One[0] = x
  if (f32One[0]! <= x) return f32One[0]!
  // Rounded up (to +Infinity, or to the next float32): one step down.
  if (f32One[0] === 0) return -(2 ** -149)
  i32One[0] = i32One[0]! + (f32One[0]! > 0 ? -1 : 1)
  return f32One[0]!
}

function base64Bytes(s: string): Uint8Array {
  const bin = atob(s)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

/**
 * A shared WebAssembly memory that kernels and decoder batches are placed in: each kernel its own
 * header, tables and scratch (`ExactKernel`), a batch of planes once (`take`), so that kernels on
 * several threads (each instantiated on this memory) read the batch where it was written, with no
 * copy of their own. Space is taken through an atomic bump pointer at byte 0 and never given back
 * (a kernel's runs move to a larger block when they outgrow theirs, a batch when a larger one
 * comes: at most about twice the largest). Post `memory` to a worker and wrap it there again.
 */
export class KernelArena {
  readonly memory: WasmMemory

  /** `memory`: an arena's memory posted from another thread (shared), else a new one, `shared` or not (for one thread). */
  constructor(
    memory?: WasmMemory,
    readonly shared = true,
  ) {
    if (!wasm) throw new Error('KernelArena: this engine has no WebAssembly')
    this.memory = memory ?? new wasm.Memory({ initial: 1, maximum: MAX_PAGES, shared })
  }

  /**
   * `bytes` of the memory (zero at first), growing it when needed; returns the byte offset. Blocks
   * start on cache lines (64 bytes), so that threads writing their own blocks never share a line.
   */
  take(bytes: number): number {
    const size = Math.ceil(bytes / 64) * 64
    const at = 64 + Atomics.add(new Int32Array(this.memory.buffer, 0, 1), 0, size)
    const have = this.memory.buffer.byteLength
    // Another thread may grow it at the same time: then it grows a little more than needed.
    if (at + size > have) this.memory.grow(Math.ceil((at + size - have) / PAGE))
    return at
  }
}

/**
 * One kernel per plane geometry (a `LogitUpsampler`) and strip size (`groups` row groups a strip,
 * as `RunClassifier` takes them), in an arena of its own or a shared one (`KernelArena`). Its
 * space is sized once for the largest strip; only its runs move to a larger block when a mask needs it.
 */
export class ExactKernel {
  /** i32 and f32 views of the kernel's memory; new ones after `reserveRuns` grew it. */
  i32: Int32Array
  f32: Float32Array
  /** Segment records (x0, x1, level; a fourth i32 the kernel uses) from i32 index `segs`. */
  readonly segs: number
  /** Byte offset of the mask's runs, (y, x0, x1) triples with x1 exclusive (`count` of them). */
  runsAt: number
  /** Byte offsets of the level runs `levels` writes: row starts (int32, usedH + 1), run starts (int32) and levels (int8), `cells` each. */
  readonly rowBeginAt: number
  readonly startsAt: number
  readonly levelsAt: number
  readonly cells: number
  private readonly lowAt: number
  private readonly lowFloats: number
  private readonly run: (ys: number, ye: number, nSeg: number) => void

  constructor(
    readonly up: LogitUpsampler,
    groups: number,
    readonly arena = new KernelArena(undefined, false),
  ) {
    if (!exactKernelAvailable()) throw new Error('ExactKernel: this engine has no WebAssembly SIMD')
    const { plan } = up
    const outW = plan.outW
    const ty = up.y.stage2
    const direct = plan.kind === 'direct'
    // The largest strip: output rows, last-stage source rows, stage-1 source rows.
    let maxRows = 1
    let maxJ = 1
    let maxR = 1
    const sy = up.y
    for (let ys = 0; ys < plan.outH; ys++) {
      let ye = ys
      for (let g = 0; g < groups && ye < plan.outH; g++) {
        const a = sy.srcLo[ye]!
        const b = sy.srcHi[ye]!
        while (ye < plan.outH && sy.srcLo[ye] === a && sy.srcHi[ye] === b) ye++
      }
      const j0 = ty.i0[ys]!
      const j1 = ty.i1[ye - 1]! + 1
      maxRows = Math.max(maxRows, ye - ys)
      maxJ = Math.max(maxJ, j1 - j0)
      if (!direct) maxR = Math.max(maxR, up.y.stage1!.i1[j1 - 1]! + 1 - up.y.stage1!.i0[j0]!)
    }
    const midW = direct ? 0 : up.x.stage1!.i0.length
    let at = 0
    const take = (bytes: number): number => {
      const p = at
      at += Math.ceil(bytes / 16) * 16
      return p
    }
    const tapsAt = (t: Taps): number[] => [take(4 * t.i0.length), take(4 * t.i0.length), take(4 * t.i0.length), take(4 * t.i0.length)]
    take(HEADER)
    const x2 = tapsAt(up.x.stage2)
    const y2 = tapsAt(ty)
    const x1 = direct ? [0, 0, 0, 0] : tapsAt(up.x.stage1!)
    const y1 = direct ? [0, 0, 0, 0] : tapsAt(up.y.stage1!)
    this.lowFloats = (up.usedH - 1) * up.lw + up.usedW
    const lowAt = take(4 * this.lowFloats)
    this.cells = up.usedH * (up.usedW + 1)
    const rowBeginAt = take(4 * (up.usedH + 1))
    const startsAt = take(4 * this.cells)
    const levelsAt = take(this.cells)
    // Segments of a strip (at least one pixel each), runs of a mask (never touching: at most ⌈outW/2⌉ a row).
    const segsAt = take(16 * (outW + 2))
    const scratchAt = take(4 * maxJ * outW)
    const midAt = take(4 * (maxR * midW + maxJ * midW))
    // All of it at `base` of the arena; the runs apart (`reserveRuns` moves them): room for 4 a row to start with.
    const base = this.arena.take(at)
    this.rowRuns = (outW + 1) >> 1
    this.stripRuns = maxRows * this.rowRuns
    this.runsCap = 4 * plan.outH + this.stripRuns
    this.runsAt = this.arena.take(12 * this.runsCap)
    const memory = this.arena.memory
    this.memory = memory
    this.i32 = new Int32Array(memory.buffer)
    this.f32 = new Float32Array(memory.buffer)
    this.base = base
    this.lowAt = base + lowAt
    this.rowBeginAt = base + rowBeginAt
    this.startsAt = base + startsAt
    this.levelsAt = base + levelsAt
    const abs = (ptrs: number[]): number[] => ptrs.map((q) => base + q)
    const put = (ptrs: number[], t: Taps, header: number): void => {
      this.i32.set(t.i0, ptrs[0]! >> 2)
      this.i32.set(t.i1, ptrs[1]! >> 2)
      this.f32.set(t.w0, ptrs[2]! >> 2)
      this.f32.set(t.w1, ptrs[3]! >> 2)
      for (let k = 0; k < 4; k++) this.i32[(header >> 2) + k] = ptrs[k]!
    }
    put(abs(x2), up.x.stage2, base + H_X2)
    put(abs(y2), ty, base + H_Y2)
    if (!direct) {
      put(abs(x1), up.x.stage1!, base + H_X1)
      put(abs(y1), up.y.stage1!, base + H_Y1)
    }
    this.i32[(base + H_KIND) >> 2] = direct ? 0 : 1
    this.i32[(base + H_LW) >> 2] = up.lw
    this.i32[(base + H_SCRATCH) >> 2] = base + scratchAt
    this.i32[(base + H_SEGS) >> 2] = base + segsAt
    this.i32[(base + H_RUNS) >> 2] = this.runsAt
    this.i32[(base + H_MID) >> 2] = base + midAt
    this.i32.set([this.rowBeginAt, this.startsAt, this.levelsAt, up.usedW, up.usedH], (base + H_LEVELS) >> 2)
    this.segs = (base + segsAt) >> 2
    const exports = new wasm!.Instance(this.arena.shared ? exactModule! : privateModule!, { env: { memory, header: base } }).exports
    this.run = exports.strip as (ys: number, ye: number, nSeg: number) => void
    this.levelPass = exports.levels as (lm: number, lp: number, tm: number, tp: number, hm: number, hp: number) => number
  }

  private readonly memory: WasmMemory
  /** Byte offset of the kernel's header in the arena. */
  private readonly base: number
  /** Runs the block at `runsAt` holds. */
  private runsCap: number
  /** Most runs one output row can have (they never touch), and one strip. */
  private readonly rowRuns: number
  private readonly stripRuns: number

  /**
   * Makes room for the runs a strip of `rows` output rows can add after the `count` so far, growing
   * the memory when needed. Returns true when it grew: `i32`, `f32` and every other view of the
   * memory must then be made anew.
   */
  reserveRuns(rows: number): boolean {
    const count = this.count
    const need = count + rows * this.rowRuns
    let grew = false
    if (need > this.runsCap) {
      const cap = Math.max(need, 2 * this.runsCap)
      const at = this.arena.take(12 * cap)
      grew = this.view()
      this.i32.copyWithin(at >> 2, this.runsAt >> 2, (this.runsAt >> 2) + 3 * count)
      this.runsAt = at
      this.runsCap = cap
      this.i32[(this.base + H_RUNS) >> 2] = at
    }
    return this.view() || grew
  }

  /** Makes `i32` and `f32` anew when the arena grew since (another thread may have grown it); true when it did. */
  private view(): boolean {
    if (this.i32.buffer.byteLength === this.memory.buffer.byteLength) return false
    this.i32 = new Int32Array(this.memory.buffer)
    this.f32 = new Float32Array(this.memory.buffer)
    return true
  }

  private readonly levelPass: (lm: number, lp: number, tm: number, tp: number, hm: number, hp: number) => number

  /**
   * `RunClassifier`'s level runs of the loaded plane for the (float64) thresholds lo ± margin,
   * t ± margin, hi ± margin, into the arrays at `rowBeginAt`, `startsAt` and `levelsAt`. Returns
   * the largest |value| (Infinity when a run holds ±Infinity), or −1 when a value outside a run is
   * NaN or ±Infinity. Each threshold T is passed as the largest float32 ≤ T: for a float32 v,
   * v > T exactly when v > that float32, so the levels are those of the float64 comparisons.
   */
  levels(lm: number, lp: number, tm: number, tp: number, hm: number, hp: number): number {
    return this.levelPass(floor32(lm), floor32(lp), floor32(tm), floor32(tp), floor32(hm), floor32(hp))
  }

  /**
   * Takes the plane at `offset` of `low`: where it is when `low` views the arena's memory (a batch
   * placed there), else a copy of its used rows. Sets the cutoffs and clears the counts, runs and box.
   */
  load(low: Float32Array, offset: number, lo: number, t: number, hi: number): void {
    const h = this.base >> 2
    if (low.buffer === this.i32.buffer || low.buffer === this.memory.buffer) {
      this.i32[h + (H_LOW >> 2)] = low.byteOffset + 4 * offset
    } else {
      this.f32.set(low.subarray(offset, offset + this.lowFloats), this.lowAt >> 2)
      this.i32[h + (H_LOW >> 2)] = this.lowAt
    }
    this.f32[h + (H_CUT >> 2)] = lo
    this.f32[h + (H_CUT >> 2) + 1] = t
    this.f32[h + (H_CUT >> 2) + 2] = hi
    this.i32[h + (H_UNION >> 2)] = 0
    this.i32[h + (H_INTER >> 2)] = 0
    this.i32[h + (H_COUNT >> 2)] = 0
    this.i32[h + (H_AREA >> 2)] = 0
    this.i32.set([0x7fffffff, -1, -1, -1], h + (H_BOX >> 2))
  }

  /**
   * One strip of output rows [ys, ye): its `nSeg` segments, written left to right at
   * `i32[segs + 4·s]` (x0), `i32[segs + 4·s + 1]` (x1, exclusive) and `i32[segs + 4·s + 2]` (level:
   * 0–3 known for the whole segment, −1 evaluated exactly), cover its columns. Adds the strip's
   * runs above t (joined across segments), its counts above lo and hi, its area and box to those
   * since `load`, as `RunClassifier`'s JavaScript row loop does.
   */
  strip(ys: number, ye: number, nSeg: number): void {
    this.run(ys, ye, nSeg)
  }

  get union(): number {
    return this.i32[(this.base + H_UNION) >> 2]!
  }

  get inter(): number {
    return this.i32[(this.base + H_INTER) >> 2]!
  }

  /** Runs so far. */
  get count(): number {
    return this.i32[(this.base + H_COUNT) >> 2]!
  }

  /** Pixels above t so far. */
  get area(): number {
    return this.i32[(this.base + H_AREA) >> 2]!
  }

  /** The box of the runs so far, inclusive (meaningful when `count` > 0). */
  box(): [x0: number, y0: number, x1: number, y1: number] {
    const b = (this.base + H_BOX) >> 2
    return [this.i32[b]!, this.i32[b + 2]!, this.i32[b + 1]!, this.i32[b + 3]!]
  }
}
