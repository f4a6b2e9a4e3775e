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
import type { LogitUpsampler } from './upsample-window.js'

/** The kernel's source; `EXACT_WASM` is its binary (wabt 1.0.39 `parseWat` + `toBinary`, checked by a test). */
export const EXACT_WAT = `(module
  (memory (import "env" "memory") 1)
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
    (local.set $rb (i32.load (i32.const 108)))
    (local.set $sp (i32.load (i32.const 112)))
    (local.set $lv (i32.load (i32.const 116)))
    (local.set $uw (i32.load (i32.const 120)))
    (local.set $uh (i32.load (i32.const 124)))
    (local.set $lw4 (i32.shl (i32.load (i32.const 4)) (i32.const 2)))
    (local.set $row (i32.load (i32.const 8)))
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
    (local.set $lo (f32.load (i32.const 80)))
    (local.set $t (f32.load (i32.const 84)))
    (local.set $hi (f32.load (i32.const 88)))
    (local.set $lov (f32x4.splat (local.get $lo)))
    (local.set $tv (f32x4.splat (local.get $t)))
    (local.set $hiv (f32x4.splat (local.get $hi)))
    (local.set $lw4 (i32.shl (i32.load (i32.const 4)) (i32.const 2)))
    (local.set $segEnd (i32.add (i32.load (i32.const 92)) (i32.shl (local.get $nseg) (i32.const 4))))
    ;; the last stage's source rows of the strip
    (local.set $jy0 (i32.load (i32.add (i32.load (i32.const 28)) (i32.shl (local.get $ys) (i32.const 2)))))
    (local.set $nj (i32.sub (i32.add (i32.load (i32.add (i32.load (i32.const 32)) (i32.shl (i32.sub (local.get $ye) (i32.const 1)) (i32.const 2)))) (i32.const 1)) (local.get $jy0)))
    ;; the exact segments up to the last pass, each into its own values (rows jy0 ..., width x1 - x0)
    (local.set $vals (i32.load (i32.const 76)))
    (local.set $seg (i32.load (i32.const 92)))
    (block $segsDone
      (loop $segs
        (br_if $segsDone (i32.ge_u (local.get $seg) (local.get $segEnd)))
        (if (i32.eq (i32.load offset=8 (local.get $seg)) (i32.const -1))
          (then
            (local.set $x0 (i32.load (local.get $seg)))
            (local.set $x1 (i32.load offset=4 (local.get $seg)))
            (i32.store offset=12 (local.get $seg) (local.get $vals))
            (local.set $w (i32.sub (local.get $x1) (local.get $x0)))
            (if (i32.eqz (i32.load (i32.const 0)))
              (then
                ;; direct: the horizontal pass on the low-res rows
                (call $horizontal
                  (i32.add (i32.load (i32.const 8)) (i32.mul (local.get $jy0) (local.get $lw4)))
                  (local.get $lw4) (local.get $nj)
                  (i32.load (i32.const 12)) (i32.load (i32.const 16)) (i32.load (i32.const 20)) (i32.load (i32.const 24))
                  (local.get $x0) (local.get $x1) (local.get $vals)))
              (else
                ;; resize-pad: stage 1 (rows, then columns) on the intermediate columns and rows stage 2 reads, then stage 2's horizontal pass
                (local.set $jx0 (i32.load (i32.add (i32.load (i32.const 12)) (i32.shl (local.get $x0) (i32.const 2)))))
                (local.set $iw (i32.sub (i32.add (i32.load (i32.add (i32.load (i32.const 16)) (i32.shl (i32.sub (local.get $x1) (i32.const 1)) (i32.const 2)))) (i32.const 1)) (local.get $jx0)))
                (local.set $r0 (i32.load (i32.add (i32.load (i32.const 60)) (i32.shl (local.get $jy0) (i32.const 2)))))
                (local.set $r1 (i32.add (i32.load (i32.add (i32.load (i32.const 64)) (i32.shl (i32.sub (i32.add (local.get $jy0) (local.get $nj)) (i32.const 1)) (i32.const 2)))) (i32.const 1)))
                (local.set $mid (i32.load (i32.const 156)))
                (local.set $inter (i32.add (local.get $mid) (i32.shl (i32.mul (i32.sub (local.get $r1) (local.get $r0)) (local.get $iw)) (i32.const 2))))
                (call $horizontal
                  (i32.add (i32.load (i32.const 8)) (i32.mul (local.get $r0) (local.get $lw4)))
                  (local.get $lw4) (i32.sub (local.get $r1) (local.get $r0))
                  (i32.load (i32.const 44)) (i32.load (i32.const 48)) (i32.load (i32.const 52)) (i32.load (i32.const 56))
                  (local.get $jx0) (i32.add (local.get $jx0) (local.get $iw)) (local.get $mid))
                (call $vertical (local.get $mid) (local.get $r0) (local.get $iw) (local.get $jy0) (i32.add (local.get $jy0) (local.get $nj))
                  (i32.load (i32.const 60)) (i32.load (i32.const 64)) (i32.load (i32.const 68)) (i32.load (i32.const 72)) (local.get $inter))
                (call $horizontal
                  (i32.sub (local.get $inter) (i32.shl (local.get $jx0) (i32.const 2)))
                  (i32.shl (local.get $iw) (i32.const 2)) (local.get $nj)
                  (i32.load (i32.const 12)) (i32.load (i32.const 16)) (i32.load (i32.const 20)) (i32.load (i32.const 24))
                  (local.get $x0) (local.get $x1) (local.get $vals))))
            (local.set $vals (i32.add (local.get $vals) (i32.shl (i32.mul (local.get $nj) (local.get $w)) (i32.const 2))))))
        (local.set $seg (i32.add (local.get $seg) (i32.const 16)))
        (br $segs)))
    ;; row by row, segment by segment: counts, runs, area and box
    (global.set $runs (i32.load (i32.const 128)))
    (global.set $cnt (i32.load (i32.const 132)))
    (local.set $area (i32.load (i32.const 136)))
    (local.set $bx0 (i32.load (i32.const 140)))
    (local.set $bx1 (i32.load (i32.const 144)))
    (local.set $by0 (i32.load (i32.const 148)))
    (local.set $by1 (i32.load (i32.const 152)))
    (local.set $y (local.get $ys))
    (block $ydone
      (loop $rows
        (br_if $ydone (i32.ge_s (local.get $y) (local.get $ye)))
        (local.set $rowStart (global.get $cnt))
        (local.set $k (i32.shl (local.get $y) (i32.const 2)))
        (local.set $ja (i32.sub (i32.load (i32.add (i32.load (i32.const 28)) (local.get $k))) (local.get $jy0)))
        (local.set $jb (i32.sub (i32.load (i32.add (i32.load (i32.const 32)) (local.get $k))) (local.get $jy0)))
        (local.set $w0 (f64.promote_f32 (f32.load (i32.add (i32.load (i32.const 36)) (local.get $k)))))
        (local.set $w1 (f64.promote_f32 (f32.load (i32.add (i32.load (i32.const 40)) (local.get $k)))))
        (local.set $w0v (f64x2.splat (local.get $w0)))
        (local.set $w1v (f64x2.splat (local.get $w1)))
        (local.set $seg (i32.load (i32.const 92)))
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
    (i32.store (i32.const 100) (i32.add (i32.load (i32.const 100)) (local.get $union)))
    (i32.store (i32.const 104) (i32.add (i32.load (i32.const 104)) (local.get $int)))
    (i32.store (i32.const 132) (global.get $cnt))
    (i32.store (i32.const 136) (local.get $area))
    (i32.store (i32.const 140) (local.get $bx0))
    (i32.store (i32.const 144) (local.get $bx1))
    (i32.store (i32.const 148) (local.get $by0))
    (i32.store (i32.const 152) (local.get $by1))))
`

/** The binary of `EXACT_WAT`, base64. */
export const EXACT_WASM = 'AGFzbQEAAAABJQRgCn9/f39/f39/f38AYAZ9fX19fX0BfWAEf39/fwBgA39/fwACDwEDZW52Bm1lbW9yeQIAAQMGBQAAAQIDBgsCfwFBAAt/AUEACwcSAgZsZXZlbHMAAgVzdHJpcAAECt8YBbkCBAh/AnwDewJ/IAggB2tBAnQhESARQQF0IRggAUEBdCEXIAdBAnQhCiAIQQJ0IQsCQANAIAogC04NASAAIAMgCmooAgBBAnRqIQwgACAEIApqKAIAQQJ0aiENIAUgCmoqAgC7IRIgBiAKaioCALshEyAS/RQhFCAT/RQhFSAJIQ4gCSACIBFsaiEPIAkgAkF+cSARbGohEAJAA0AgDiAQTw0BIBQgDCABaiAM/VwCAP1WAgAB/V/98gEgFSANIAFqIA39XAIA/VYCAAH9X/3yAf3wAf1eIRYgDiAW/VoCAAAgDiARaiAW/VoCAAEgDCAXaiEMIA0gF2ohDSAOIBhqIQ4MAAsLIA4gD0kEQCAOIBIgDCoCALuiIBMgDSoCALuioLY4AgALIAlBBGohCSAKQQRqIQoMAAsLC/sBAwZ/AnwCeyACQQJ0IQ8gA0ECdCEKAkADQCADIARODQEgACAFIApqKAIAIAFrIA9saiELIAAgBiAKaigCACABayAPbGohDCAHIApqKgIAuyEQIAggCmoqAgC7IREgEP0UIRIgEf0UIRMgCSENIAkgD0F4cWohDgJAA0AgDSAOTw0BIA0gEiAL/V0DAP1f/fIBIBMgDP1dAwD9X/3yAf3wAf1e/VsDAAAgC0EIaiELIAxBCGohDCANQQhqIQ0MAAsLIAJBAXEEQCANIBAgCyoCALuiIBEgDCoCALuioLY4AgALIAkgD2ohCSAKQQRqIQogA0EBaiEDDAALCwv0BgQMfwZ9CHsEf0HsACgCACEPQfAAKAIAIRBB9AAoAgAhEUH4ACgCACEIQfwAKAIAIQdBBCgCAEECdCEJQQgoAgAhCiAA/RMhHCAF/RMhHQJAA0AgBiAHTg0BIA8gBkECdGogDDYCAEEEIQ0gCiEjIAogCEECdGohIiAiQQxrISAgIkEcayEhAkADQCAjICJPDQEgIyoCACESIBIgEpNDAAAAAFwEQEMAAIC/DwsgEyASi5chEyASIAFeBH8gEiADXgR/IBIgBV4Ef0EDBUF/QQIgEiAEXhsLBUF/QQEgEiACXhsLBUF/QQAgEiAAXhsLIQ4gDiANRwRAIBAgDEECdGogIyAKa0ECdjYCACARIAxqIA46AAAgDEEBaiEMIA4hDQsgI0EEaiEjIA5FBEACQANAICMgIU8NASAj/QAEACEYICP9AAQQIRkgGCAc/UUgGSAc/UX9Tv2jAUUNASAaIBggGf3qAf3qASEaICNBIGohIwwACwsCQANAICMgIE8NASAj/QAEACEYIBggHP1F/aMBRQ0BIBogGP3qASEaICNBEGohIwwACwsCQANAICMgIk8NASAjKgIAIRIgEiAAX0UNASAUIBKWIRQgI0EEaiEjDAALCwUgDkEDRgRAAkADQCAjICFPDQEgI/0ABAAhGCAj/QAEECEZIBggHf1EIBkgHf1E/U79owFFDQEgGyAYIBn96wH96wEhGyAjQSBqISMMAAsLAkADQCAjICBPDQEgI/0ABAAhGCAYIB39RP2jAUUNASAbIBj96wEhGyAjQRBqISMMAAsLAkADQCAjICJPDQEgIyoCACESIBIgBV5FDQEgFSASlyEVICNBBGohIwwACwsFIA5BAEoEQCABIAMgDkEBRhshFiACIAQgDkEBRhshFyAW/RMhHiAX/RMhHwJAA0AgIyAgTw0BICP9AAQAIRggGCAe/UQgGCAf/UX9Tv2jAUUNASAjQRBqISMMAAsLAkADQCAjICJPDQEgIyoCACESIBIgFl4gEiAXX3FFDQEgI0EEaiEjDAALCwsLCwwACwsgCiAJaiEKIAZBAWohBgwACwsgDyAHQQJ0aiAMNgIAIBQgGv0fACAa/R8BlpYgGv0fAiAa/R8DlpYhFCAVIBv9HwAgG/0fAZeXIBv9HwIgG/0fA5eXIRUgEyAUjCAVl5cLSQEBfyMAIwFBDGxqIQQjASADSiAEQQRrKAIAIAFGcQRAIARBBGsgAjYCAAUgBCAANgIAIAQgATYCBCAEIAI2AggjAUEBaiQBCwvkDAYZfwJ8BH0Gfwp7CX9B0AAqAgAhH0HUACoCACEgQdgAKgIAISEgH/0TIS0gIP0TIS4gIf0TIS9BBCgCAEECdCEmQdwAKAIAIAJBBHRqIQRBHCgCACAAQQJ0aigCACEKQSAoAgAgAUEBa0ECdGooAgBBAWogCmshC0HMACgCACESQdwAKAIAIQMCQANAIAMgBE8NASADKAIIQX9GBEAgAygCACEFIAMoAgQhBiADIBI2AgwgBiAFayEHQQAoAgBFBEBBCCgCACAKICZsaiAmIAtBDCgCAEEQKAIAQRQoAgBBGCgCACAFIAYgEhAABUEMKAIAIAVBAnRqKAIAIQxBECgCACAGQQFrQQJ0aigCAEEBaiAMayENQTwoAgAgCkECdGooAgAhDkHAACgCACAKIAtqQQFrQQJ0aigCAEEBaiEPQZwBKAIAIRAgECAPIA5rIA1sQQJ0aiERQQgoAgAgDiAmbGogJiAPIA5rQSwoAgBBMCgCAEE0KAIAQTgoAgAgDCAMIA1qIBAQACAQIA4gDSAKIAogC2pBPCgCAEHAACgCAEHEACgCAEHIACgCACAREAEgESAMQQJ0ayANQQJ0IAtBDCgCAEEQKAIAQRQoAgBBGCgCACAFIAYgEhAACyASIAsgB2xBAnRqIRILIANBEGohAwwACwtBgAEoAgAkAEGEASgCACQBQYgBKAIAITZBjAEoAgAhN0GQASgCACE4QZQBKAIAITlBmAEoAgAhOiAAIRUCQANAIBUgAU4NASMBIRMgFUECdCEWQRwoAgAgFmooAgAgCmshNEEgKAIAIBZqKAIAIAprITVBJCgCACAWaioCALshHEEoKAIAIBZqKgIAuyEdIBz9FCEoIB39FCEpQdwAKAIAIQMCQANAIAMgBE8NASADKAIAIQUgAygCBCEGIAMoAgghCSAJQQBOBEAgBiAFayEnIAlBAU4EQCAkICdqISQLIAlBA0YEQCAlICdqISULIAlBAk4EQCAVIAUgBiATEAMLBSAGIAVrQQJ0IQggAygCDCESIBIgNCAIbGohFyASIDUgCGxqIRggFyAIaiEZIBlBDGshM0EAISMgBSEaAkADQCAXIDNPDQEgF/0ABAAhKiAY/QAEACErICggKv1f/fIBICkgK/1f/fIB/fAB/V4gKCAqICr9DQgJCgsMDQ4PCAkKCwwNDg/9X/3yASApICsgK/0NCAkKCwwNDg8ICQoLDA0OD/1f/fIB/fAB/V79DQABAgMEBQYHEBESExQVFhchLCAwICwgLf1E/bEBITAgMSAsIC/9RP2xASExICwgLv1E/aQBITIgMiAjQQ9sRwRAIDJBAHZBAXEhIiAiICNHBEAgIgRAIBpBAGohFAUgFSAUIBpBAGogExADCyAiISMLIDJBAXZBAXEhIiAiICNHBEAgIgRAIBpBAWohFAUgFSAUIBpBAWogExADCyAiISMLIDJBAnZBAXEhIiAiICNHBEAgIgRAIBpBAmohFAUgFSAUIBpBAmogExADCyAiISMLIDJBA3ZBAXEhIiAiICNHBEAgIgRAIBpBA2ohFAUgFSAUIBpBA2ogExADCyAiISMLCyAaQQRqIRogF0EQaiEXIBhBEGohGAwACwsCQANAIBcgGU8NASAcIBcqAgC7oiAdIBgqAgC7oqC2IR4gJCAeIB9eaiEkICUgHiAhXmohJSAeICBeISIgIiAjRwRAICIEQCAaIRQFIBUgFCAaIBMQAwsgIiEjCyAaQQFqIRogF0EEaiEXIBhBBGohGAwACwsgIwRAIBUgFCAGIBMQAwsLIANBEGohAwwACwsjASATSgRAIDlBAEgEQCAVITkLIBUhOiMAIBNBDGxqIRsgGygCBCA3SARAIBsoAgQhNwsjACMBQQxsaiEWIBZBBGsoAgBBAWsgOEoEQCAWQQRrKAIAQQFrITgLAkADQCAbIBZPDQEgNiAbKAIIIBsoAgRraiE2IBtBDGohGwwACwsLIBVBAWohFQwACwsgJCAw/RsAIDD9GwFqIDD9GwIgMP0bA2pqaiEkICUgMf0bACAx/RsBaiAx/RsCIDH9GwNqamohJUHkAEHkACgCACAkajYCAEHoAEHoACgCACAlajYCAEGEASMBNgIAQYgBIDY2AgBBjAEgNzYCAEGQASA4NgIAQZQBIDk2AgBBmAEgOjYCAAs='

/** The part of the WebAssembly JS API used here (Node's types for Node 20 do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> }
  Memory: new (descriptor: { initial: number }) => WasmMemory
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
let exactModule: object | undefined

const PAGE = 65536
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
 * One kernel per plane geometry (a `LogitUpsampler`) and strip size (`groups` row groups a strip,
 * as `RunClassifier` takes them). Its memory is sized once for the largest strip.
 */
export class ExactKernel {
  /** i32 and f32 views of the kernel's memory (it never grows). */
  /** i32 and f32 views of the kernel's memory; new ones after `reserveRuns` grew it. */
  i32: Int32Array
  f32: Float32Array
  /** Segment records (x0, x1, level; a fourth i32 the kernel uses) from i32 index `segs`. */
  readonly segs: number
  /** Byte offset of the mask's runs, (y, x0, x1) triples with x1 exclusive (`count` of them). */
  readonly runsAt: number
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
    let at = HEADER
    const take = (bytes: number): number => {
      const p = at
      at += Math.ceil(bytes / 16) * 16
      return p
    }
    const tapsAt = (t: Taps): number[] => [take(4 * t.i0.length), take(4 * t.i0.length), take(4 * t.i0.length), take(4 * t.i0.length)]
    const x2 = tapsAt(up.x.stage2)
    const y2 = tapsAt(ty)
    const x1 = direct ? [0, 0, 0, 0] : tapsAt(up.x.stage1!)
    const y1 = direct ? [0, 0, 0, 0] : tapsAt(up.y.stage1!)
    this.lowFloats = (up.usedH - 1) * up.lw + up.usedW
    this.lowAt = take(4 * this.lowFloats)
    this.cells = up.usedH * (up.usedW + 1)
    this.rowBeginAt = take(4 * (up.usedH + 1))
    this.startsAt = take(4 * this.cells)
    this.levelsAt = take(this.cells)
    // Segments of a strip (at least one pixel each), runs of a mask (never touching: at most ⌈outW/2⌉ a row).
    const segsAt = take(16 * (outW + 2))
    const scratchAt = take(4 * maxJ * outW)
    const midAt = take(4 * (maxR * midW + maxJ * midW))
    // The runs last, so the memory grows at their end (`reserveRuns`): room for 4 a row to start with.
    this.runsAt = at
    this.rowRuns = (outW + 1) >> 1
    this.stripRuns = maxRows * this.rowRuns
    const memory = new wasm!.Memory({ initial: Math.ceil((at + 12 * (4 * plan.outH + this.stripRuns)) / PAGE) })
    this.memory = memory
    this.i32 = new Int32Array(memory.buffer)
    this.f32 = new Float32Array(memory.buffer)
    const put = (ptrs: number[], t: Taps, header: number): void => {
      this.i32.set(t.i0, ptrs[0]! >> 2)
      this.i32.set(t.i1, ptrs[1]! >> 2)
      this.f32.set(t.w0, ptrs[2]! >> 2)
      this.f32.set(t.w1, ptrs[3]! >> 2)
      for (let k = 0; k < 4; k++) this.i32[(header >> 2) + k] = ptrs[k]!
    }
    this.i32[H_KIND >> 2] = direct ? 0 : 1
    this.i32[H_LW >> 2] = up.lw
    this.i32[H_LOW >> 2] = this.lowAt
    put(x2, up.x.stage2, H_X2)
    put(y2, ty, H_Y2)
    if (!direct) {
      put(x1, up.x.stage1!, H_X1)
      put(y1, up.y.stage1!, H_Y1)
    }
    this.i32[H_SCRATCH >> 2] = scratchAt
    this.i32[H_SEGS >> 2] = segsAt
    this.i32[H_RUNS >> 2] = this.runsAt
    this.i32[H_MID >> 2] = midAt
    this.i32.set([this.rowBeginAt, this.startsAt, this.levelsAt, up.usedW, up.usedH], H_LEVELS >> 2)
    this.segs = segsAt >> 2
    const exports = new wasm!.Instance(exactModule!, { env: { memory } }).exports
    this.run = exports.strip as (ys: number, ye: number, nSeg: number) => void
    this.levelPass = exports.levels as (lm: number, lp: number, tm: number, tp: number, hm: number, hp: number) => number
  }

  private readonly memory: WasmMemory
  /** Most runs one output row can have (they never touch), and one strip. */
  private readonly rowRuns: number
  private readonly stripRuns: number

  /**
   * Makes room for the runs a strip of `rows` output rows can add after the `count` so far, growing
   * the memory when needed. Returns true when it grew: `i32`, `f32` and every other view of the
   * memory must then be made anew.
   */
  reserveRuns(rows: number): boolean {
    const need = this.runsAt + 12 * (this.count + rows * this.rowRuns)
    const have = this.memory.buffer.byteLength
    if (need <= have) return false
    this.memory.grow(Math.ceil((Math.max(need, 2 * have) - have) / PAGE))
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

  /** Copies the used rows of the plane at `offset` of `low`, sets the cutoffs and clears the counts, runs and box. */
  load(low: Float32Array, offset: number, lo: number, t: number, hi: number): void {
    this.f32.set(low.subarray(offset, offset + this.lowFloats), this.lowAt >> 2)
    this.f32[H_CUT >> 2] = lo
    this.f32[(H_CUT >> 2) + 1] = t
    this.f32[(H_CUT >> 2) + 2] = hi
    this.i32[H_UNION >> 2] = 0
    this.i32[H_INTER >> 2] = 0
    this.i32[H_COUNT >> 2] = 0
    this.i32[H_AREA >> 2] = 0
    this.i32.set([0x7fffffff, -1, -1, -1], H_BOX >> 2)
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
    return this.i32[H_UNION >> 2]!
  }

  get inter(): number {
    return this.i32[H_INTER >> 2]!
  }

  /** Runs so far. */
  get count(): number {
    return this.i32[H_COUNT >> 2]!
  }

  /** Pixels above t so far. */
  get area(): number {
    return this.i32[H_AREA >> 2]!
  }

  /** The box of the runs so far, inclusive (meaningful when `count` > 0). */
  box(): [x0: number, y0: number, x1: number, y1: number] {
    const b = H_BOX >> 2
    return [this.i32[b]!, this.i32[b + 2]!, this.i32[b + 1]!, this.i32[b + 3]!]
  }
}
