#!/usr/bin/env bash
# USVKit benchmarks: each measures usv against a peer in the same run and prints both and the ratio.
# Usage: bash Benchmarks/run.sh [verify|synth|features|detector|ingest|linear|hdf5|cnn|cnn-loao|all]   (run by `make bench`; needs .build/release/usv)
set -euo pipefail
cd "$(dirname "$0")/.."
USV=${USV:-.build/release/usv}
OUT=${BENCH_OUT:-bench-out}
mkdir -p "$OUT"
what=${1:-all}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rate() { awk -v bytes="$1" -v seconds="$2" 'BEGIN { printf "%.0f", bytes / seconds / 1e6 }'; }

bench_verify() {
  local dir="$OUT/verify-data"
  if [ ! -f "$dir/MANIFEST.txt" ]; then
    echo "Making 1 GiB of mixed-size files in $dir ..." >&2
    rm -rf "$dir"; mkdir -p "$dir/big" "$dir/medium" "$dir/small" "$dir/tiny"
    head -c $((400 << 20)) /dev/urandom > "$dir/big/zip-like.bin"
    for i in 1 2 3 4; do head -c $((100 << 20)) /dev/urandom > "$dir/medium/recording$i.wav"; done
    for i in $(seq 1 96); do head -c $((1 << 20)) /dev/urandom > "$dir/small/mat$i.mat"; done
    for i in $(seq 1 320); do head -c $((100 << 10)) /dev/urandom > "$dir/tiny/png$i.png"; done
    (cd "$dir" && find . -type f ! -name MANIFEST.txt ! -name SHA256SUMS -printf '%P\n' | sort -R \
      | xargs -d '\n' sha256sum > SHA256SUMS && sed 's/  / /' SHA256SUMS > MANIFEST.txt)
  fi
  local bytes; bytes=$(du -sb "$dir" | cut -f1)
  cat "$dir"/*/* > /dev/null  # warm the page cache for both tools
  local t0 t1 t2 t3 t4 t5
  t0=$(now); (cd "$dir" && sha256sum -c --quiet SHA256SUMS); t1=$(now)
  "$USV" verify "$dir" --no-catalog --full --jobs 2 --quiet > /dev/null; t2=$(now)
  "$USV" verify "$dir" --no-catalog --full --jobs 1 --quiet > /dev/null; t3=$(now)
  local catalog="$OUT/verify-catalog.sqlite"; rm -f "$catalog"
  "$USV" verify "$dir" --catalog "$catalog" --quiet > /dev/null; t4=$(now)
  "$USV" verify "$dir" --catalog "$catalog" --incremental --quiet > /dev/null; t5=$(now)
  local peer ours ours1 repeat
  peer=$(elapsed "$t0" "$t1"); ours=$(elapsed "$t1" "$t2"); ours1=$(elapsed "$t2" "$t3"); repeat=$(elapsed "$t4" "$t5")
  printf 'verify: %s bytes in %d files (page cache warm)\n' "$bytes" "$(find "$dir" -type f | wc -l)"
  printf '  sha256sum -c          %6.2f s  %7s MB/s\n' "$peer" "$(rate "$bytes" "$peer")"
  printf '  usv verify --jobs 1   %6.2f s  %7s MB/s  (%sx sha256sum)\n' "$ours1" "$(rate "$bytes" "$ours1")" "$(ratio "$peer" "$ours1")"
  printf '  usv verify --jobs 2   %6.2f s  %7s MB/s  (%sx sha256sum)\n' "$ours" "$(rate "$bytes" "$ours")" "$(ratio "$peer" "$ours")"
  printf '  usv verify, repeat run with the verify cache: %.3f s (%sx sha256sum)\n' "$repeat" "$(ratio "$peer" "$repeat")"
}

# Peak resident memory (kB) of a command, from GNU time.
peak_kb() { grep 'Maximum resident' "$1" | awk '{print $NF}'; }

bench_features() {
  local py; py=$(bash Benchmarks/peers/setup.sh)
  local dir="$OUT/features"; mkdir -p "$dir"
  for seconds in 180 1800; do
    if [ ! -f "$dir/rec$seconds/Data/RawRecordings/Sex/Rfem_Afem01.wav" ]; then
      rm -rf "$dir/rec$seconds"
      "$USV" synth "$dir/rec$seconds" --scale small --set female-animals=1 --set male-animals=1 --set seconds=$seconds \
        --set cortexless-animals=1 --set control-animals=1 > /dev/null 2>&1
    fi
  done
  local wav="$dir/rec180/Data/RawRecordings/Sex/Rfem_Afem01.wav" long="$dir/rec1800/Data/RawRecordings/Sex/Rfem_Afem01.wav"
  cat "$wav" > /dev/null
  local t0 t1 t2 t3
  t0=$(now); /usr/bin/time -v "$USV" spectrogram "$wav" --out "$dir/usv.f32" > /dev/null 2> "$dir/usv-spec.time"; t1=$(now)
  /usr/bin/time -v "$py" Benchmarks/peers/spectrogram.py "$wav" "$dir/scipy.f32" "$dir/usv.f32" > "$dir/scipy.txt" 2> "$dir/scipy-spec.time"; t2=$(now)
  local ours peer; ours=$(elapsed "$t0" "$t1"); peer=$(elapsed "$t1" "$t2")
  printf 'spectrogram of one 180 s, 300 kHz recording (read, 216k frames x 233 rows, write float32):\n'
  printf '  usv spectrogram  %6.2f s  (%s x real time)  peak RSS %s kB\n' "$ours" "$(ratio 180 "$ours")" "$(peak_kb "$dir/usv-spec.time")"
  printf '  scipy ShortTimeFFT %5.2f s  peak RSS %s kB   -> usv is %sx faster; %s\n' "$peer" "$(peak_kb "$dir/scipy-spec.time")" \
    "$(ratio "$peer" "$ours")" "$(grep 'max |usv' "$dir/scipy.txt")"
  t0=$(now); /usr/bin/time -v "$USV" detect "$wav" --json > "$dir/detect180.json" 2> "$dir/detect180.time"; t1=$(now)
  cat "$long" > /dev/null
  t2=$(now); /usr/bin/time -v "$USV" detect "$long" --json > "$dir/detect1800.json" 2> "$dir/detect1800.time"; t3=$(now)
  local t4 t5 t6 t7
  t4=$(now); /usr/bin/time -v "$USV" detect "$wav" --json --detector feature.usv-detector-paper > "$dir/paper180.json" 2> "$dir/paper180.time"; t5=$(now)
  t6=$(now); /usr/bin/time -v "$USV" detect "$long" --json --detector feature.usv-detector-paper > "$dir/paper1800.json" 2> "$dir/paper1800.time"; t7=$(now)
  local short longer paperShort paperLonger
  short=$(elapsed "$t0" "$t1"); longer=$(elapsed "$t2" "$t3"); paperShort=$(elapsed "$t4" "$t5"); paperLonger=$(elapsed "$t6" "$t7")
  printf 'detection (spectrogram streamed + detector), feature.usv-detector (default):\n'
  printf '  180 s:  %6.2f s  (%sx real time)  peak RSS %s kB\n' "$short" "$(ratio 180 "$short")" "$(peak_kb "$dir/detect180.time")"
  printf '  1800 s: %6.2f s  (%sx real time)  peak RSS %s kB\n' "$longer" "$(ratio 1800 "$longer")" "$(peak_kb "$dir/detect1800.time")"
  printf 'the paper pipeline, feature.usv-detector-paper, same files:\n'
  printf '  180 s:  %6.2f s  (%sx real time)  peak RSS %s kB\n' "$paperShort" "$(ratio 180 "$paperShort")" "$(peak_kb "$dir/paper180.time")"
  printf '  1800 s: %6.2f s  (%sx real time)  peak RSS %s kB\n' "$paperLonger" "$(ratio 1800 "$paperLonger")" "$(peak_kb "$dir/paper1800.time")"
  rm -f "$dir/usv.f32" "$dir/scipy.f32"
}

bench_ingest() {
  local dir="$OUT/ingest-paper"
  rm -rf "$dir"; mkdir -p "$dir"
  "$USV" synth "$dir/twin" --scale paper --seed 1 > /dev/null 2>&1
  local t0 t1
  t0=$(now); /usr/bin/time -v "$USV" ingest "$dir/twin" --catalog "$dir/catalog.sqlite" > "$dir/ingest.txt" 2> "$dir/ingest.time"; t1=$(now)
  printf 'ingest --scale paper (18 x 180 s Sex + 12 x 180 s in the zip, tables; verify first): %.1f s, peak RSS %s kB, %s USV records\n' \
    "$(elapsed "$t0" "$t1")" "$(peak_kb "$dir/ingest.time")" "$(grep 'USV records' "$dir/ingest.txt" | awk '{print $1}')"
  rm -rf "$dir"
}

bench_linear() {
  local py; py=$(bash Benchmarks/peers/setup.sh)
  local dir="$OUT/linear"; rm -rf "$dir"; mkdir -p "$dir"
  local samples=${LINEAR_SAMPLES:-10000} dimensions=${LINEAR_DIMENSIONS:-10000}
  swift build -c release --product usv-bench > /dev/null
  printf 'ridge and linear SVM, n = %s training samples, d = %s features (float64, standardised), same data:\n' "$samples" "$dimensions"
  .build/release/usv-bench linear "$samples" "$dimensions" "$dir" > /dev/null
  "$py" Benchmarks/peers/sklearn_linear.py "$dir/data.npz" "$dir/sklearn.npz" > /dev/null
  "$py" Benchmarks/peers/compare_linear.py "$dir/usv.npz" "$dir/sklearn.npz" "$dir/data.npz"
  rm -rf "$dir"
}

# The CPU's model name, family and model, for the benchmark rows.
cpu_model() {
  awk -F': ' '/^model name/ && !n { name = $2; n = 1 } /^cpu family/ && !f { fam = $2; f = 1 } /^model\t/ && !m { mod = $2; m = 1 }
    END { printf "%s, family %s model %s", name, fam, mod }' /proc/cpuinfo
}

json_field() { "$1" -c "import json, sys; print(json.loads(sys.argv[1])['$3'])" "$2"; }

# The best of two runs of a throughput benchmark (one JSON object per run): this machine's speed drifts by
# ±20 % between runs, and the same rule applies to both sides.
best_of_two() {
  local py=$1; shift
  { "$@"; "$@"; } | "$py" -c "
import json, sys
runs = [json.loads(line) for line in sys.stdin if line.strip()]
best = max(runs, key=lambda run: run['train_images_per_s'])
best['infer_images_per_s'] = max(run['infer_images_per_s'] for run in runs)
print(json.dumps(best))"
}

bench_cnn() {
  local py; py=$(bash Benchmarks/peers/setup.sh tensorflow)
  swift build -c release --product usv-bench > /dev/null
  printf 'CNN throughput, 100 x 100 inputs, kernels 10,5,3,3,3,3, strides 2,2,1,1,1,1, dense 3 x 120, batch 64, random images,\n'
  printf 'the same thread count for both (the presets: fast 1 thread, paper 2), best of two runs each. TensorFlow as installed\n'
  printf '(it enables its oneDNN kernels only on some CPUs) and with TF_ENABLE_ONEDNN_OPTS=1; the ratio is against the faster:\n'
  local name filters threads train infer ours plain onednn ut ui pt pi ot oi bt bi
  for config in "fast 8 1 40 40" "paper 256 2 3 4"; do
    read -r name filters threads train infer <<< "$config"
    ours=$(best_of_two "$py" .build/release/usv-bench cnn "$filters" 64 "$threads" "$train" "$infer")
    local peer=("$py" Benchmarks/peers/tf_cnn_bench.py --filters "$filters" --batch 64 --threads "$threads" --train-batches "$train" --infer-batches "$infer")
    plain=$(best_of_two "$py" "${peer[@]}")
    onednn=$(TF_ENABLE_ONEDNN_OPTS=1 best_of_two "$py" "${peer[@]}")
    ut=$(json_field "$py" "$ours" train_images_per_s); ui=$(json_field "$py" "$ours" infer_images_per_s)
    pt=$(json_field "$py" "$plain" train_images_per_s); pi=$(json_field "$py" "$plain" infer_images_per_s)
    ot=$(json_field "$py" "$onednn" train_images_per_s); oi=$(json_field "$py" "$onednn" infer_images_per_s)
    bt=$(awk -v a="$pt" -v b="$ot" 'BEGIN { print (a > b ? a : b) }'); bi=$(awk -v a="$pi" -v b="$oi" 'BEGIN { print (a > b ? a : b) }')
    local family chooser own
    family=$(json_field "$py" "$ours" blas_kernels); chooser=$(json_field "$py" "$ours" blas_chosen_by); own=$(json_field "$py" "$ours" blas_openblas_choice)
    printf '  %-5s (%3s filters, %s thread(s), OpenBLAS kernels %s chosen by %s, vector kernels %s; CPU %s):\n' "$name" "$filters" "$threads" \
      "$family" "$chooser" "$(json_field "$py" "$ours" vector_kernels)" "$(cpu_model)"
    printf '    training  usv %7.1f images/s   TensorFlow %7.1f (oneDNN forced %7.1f) images/s   -> %sx\n' "$ut" "$pt" "$ot" "$(ratio "$ut" "$bt")"
    printf '    inference usv %7.1f images/s   TensorFlow %7.1f (oneDNN forced %7.1f) images/s   -> %sx\n' "$ui" "$pi" "$oi" "$(ratio "$ui" "$bi")"
    # Where usv's choice differs from OpenBLAS's own (OpenBLAS fell back to generic kernels), a row with OpenBLAS's too.
    if [ "$chooser" = usv ] && [ -n "$own" ] && [ "$own" != "$family" ]; then
      local theirs tt ti
      theirs=$(OPENBLAS_CORETYPE=$own best_of_two "$py" .build/release/usv-bench cnn "$filters" 64 "$threads" "$train" "$infer")
      tt=$(json_field "$py" "$theirs" train_images_per_s); ti=$(json_field "$py" "$theirs" infer_images_per_s)
      printf '    with OpenBLAS'"'"'s own choice, %s: training %7.1f images/s (%sx TensorFlow), inference %7.1f images/s (%sx)\n' \
        "$own" "$tt" "$(ratio "$tt" "$bt")" "$ti" "$(ratio "$ti" "$bi")"
    fi
  done
}

# One leave-one-animal-out evaluation of cnn-sex (fast preset, with its shuffled control) on the paper-scale twin's
# sex recordings (its 18 animals, as the paper's sex experiment); with CNN_COMPARE=1 also ridge and SVM on the same
# images and the random 10-fold split (hours on two cores).
bench_cnn_loao() {
  local dir="$OUT/cnn-paper"; mkdir -p "$dir"
  if [ ! -f "$dir/catalog.sqlite" ]; then
    rm -rf "$dir/twin"
    "$USV" synth "$dir/twin" --scale paper --seed 1 > /dev/null 2>&1
    "$USV" ingest "$dir/twin" --catalog "$dir/catalog.sqlite" > /dev/null 2>&1
  fi
  local t0 t1 t2
  t0=$(now); "$USV" features --plugin feature.dnn-input --catalog "$dir/catalog.sqlite" > /dev/null 2>&1; t1=$(now)
  local animals=(); for id in $(seq 1 18); do animals+=(--animal "$id"); done
  /usr/bin/time -v "$USV" evaluate --model cnn-sex --features feature.dnn-input --protocol loao "${animals[@]}" \
    --catalog "$dir/catalog.sqlite" > "$dir/cnn-loao.txt" 2> "$dir/cnn-loao.time"; t2=$(now)
  printf 'cnn-sex (fast) on the paper-scale twin: DNN inputs %.1f s; leave-one-animal-out with shuffled controls %.1f s, peak RSS %s kB\n' \
    "$(elapsed "$t0" "$t1")" "$(elapsed "$t1" "$t2")" "$(peak_kb "$dir/cnn-loao.time")"
  head -n 1 "$dir/cnn-loao.txt" | sed 's/^/  /'
  grep -E "^mean" "$dir/cnn-loao.txt" | sed 's/^/  /'
  if [ "${CNN_COMPARE:-0}" = 1 ]; then
    "$USV" evaluate --model ridge,svm --features feature.dnn-input --protocol loao "${animals[@]}" --catalog "$dir/catalog.sqlite" | grep -E "^mean" | sed 's/^/  /'
    "$USV" evaluate --model cnn-sex --features feature.dnn-input --protocol kfold --folds 10 --seed 0 "${animals[@]}" --catalog "$dir/catalog.sqlite" \
      | grep -E "^mean" | sed 's/^/  /'
  fi
}

bench_hdf5() {
  local py; py=$(bash Benchmarks/peers/setup.sh)
  local dir="$OUT/hdf5-paper"; rm -rf "$dir"; mkdir -p "$dir"
  "$USV" synth "$dir/twin" --scale paper --seed 1 > /dev/null 2>&1
  "$USV" ingest "$dir/twin" --catalog "$dir/catalog.sqlite" > /dev/null 2>&1
  "$USV" features --plugin feature.spectral-vectors --catalog "$dir/catalog.sqlite" > /dev/null 2>&1
  local t0 t1 t2 t3 t4
  t0=$(now); "$USV" export --format hdf5 "$dir/tables.h5" --catalog "$dir/catalog.sqlite" > /dev/null; t1=$(now)
  "$USV" export --format hdf5 --snippets "$dir/snippets.h5" --catalog "$dir/catalog.sqlite" > /dev/null; t2=$(now)
  "$USV" import "$dir/tables.h5" --catalog "$dir/back.sqlite" > /dev/null; t3=$(now)
  "$USV" import "$dir/snippets.h5" --catalog "$dir/back2.sqlite" > /dev/null; t4=$(now)
  local tables snippets back back2; tables=$(elapsed "$t0" "$t1"); snippets=$(elapsed "$t1" "$t2"); back=$(elapsed "$t2" "$t3"); back2=$(elapsed "$t3" "$t4")
  local peer peer2; peer=$("$py" Benchmarks/peers/hdf5_write.py "$dir/tables.h5" "$dir/peer-tables.h5")
  peer2=$("$py" Benchmarks/peers/hdf5_write.py "$dir/snippets.h5" "$dir/peer-snippets.h5")
  field() { echo "$1" | "$py" -c "import json, sys; print(json.load(sys.stdin)['$2'])"; }
  local usvs; usvs=$("$USV" stats --catalog "$dir/catalog.sqlite" --json | "$py" -c "import json, sys; print(json.load(sys.stdin)['total'])")
  printf 'HDF5 bundle of the paper-scale catalog (%s USV records, spectral-vector features; gzip 4 + shuffle):
' "$usvs"
  printf '  tables only:  usv export %6.2f s (%s MB)   h5py writes the same arrays %6.2f s   -> %sx h5py\n' "$tables" \
    "$(rate "$(stat -c %s "$dir/tables.h5")" 1)" "$(field "$peer" write_s)" "$(ratio "$(field "$peer" write_s)" "$tables")"
  printf '                usv import %6.2f s (into SQLite)   h5py reads them back %6.2f s   -> %sx h5py\n' "$back" \
    "$(field "$peer" read_s)" "$(ratio "$(field "$peer" read_s)" "$back")"
  printf '  with snippets (audio + spectrograms): usv export %6.2f s (%s MB, USVs read and spectrograms computed on the way)   h5py writes the same arrays %6.2f s   -> %sx h5py\n' \
    "$snippets" "$(rate "$(stat -c %s "$dir/snippets.h5")" 1)" "$(field "$peer2" write_s)" "$(ratio "$(field "$peer2" write_s)" "$snippets")"
  printf '                usv import %6.2f s   h5py reads every array back %6.2f s\n' "$back2" "$(field "$peer2" read_s)"
  rm -rf "$dir"
}

bench_synth() {
  local dir="$OUT/synth-paper"
  rm -rf "$dir"
  local t0 t1
  t0=$(now); /usr/bin/time -v "$USV" synth "$dir" --scale paper --seed 1 > "$OUT/synth.txt" 2> "$OUT/synth-time.txt"; t1=$(now)
  printf 'synth --scale paper: %.1f s, %s bytes, peak RSS %s kB\n' "$(elapsed "$t0" "$t1")" "$(du -sb "$dir" | cut -f1)" \
    "$(peak_kb "$OUT/synth-time.txt")"
  rm -rf "$dir"
}

# Detection fidelity on real recordings from another lab (Tests/Fixtures/amvoc, 4 recordings, 117 calls): the
# published detectors' deposited outputs, the paper's pipeline, the default detector in sample and leave one
# recording out, all scored by usv's scorer (usv score); then one picture from usv score --png.
bench_detector() {
  swift build -c release --product usv-bench > /dev/null
  local dir="$OUT/detector"; mkdir -p "$dir"
  .build/release/usv-bench detector-fidelity Tests/Fixtures/amvoc | tee "$dir/fidelity.md"
  local rec=Tests/Fixtures/amvoc/4/rec_4.wav
  "$USV" detect "$rec" --csv > "$dir/found_4.csv"
  "$USV" score "$dir/found_4.csv" --truth Tests/Fixtures/amvoc/4/gt_4.csv --recording "$rec" --png "$dir/score-amvoc-4.png" > /dev/null
  echo "picture: $dir/score-amvoc-4.png"
}

[ -x /usr/bin/time ] || { echo "bench needs GNU time for peak memory (make bench installs it)" >&2; exit 2; }
case "$what" in
  verify) bench_verify ;;
  synth) bench_synth ;;
  features) bench_features ;;
  detector) bench_detector ;;
  ingest) bench_ingest ;;
  linear) bench_linear ;;
  hdf5) bench_hdf5 ;;
  cnn) bench_cnn ;;
  cnn-loao) bench_cnn_loao ;;
  all) bench_verify; bench_synth; bench_features; bench_detector; bench_ingest; bench_linear; bench_hdf5; bench_cnn; bench_cnn_loao ;;
  *) echo "usage: $0 [verify|synth|features|detector|ingest|linear|hdf5|cnn|cnn-loao|all]" >&2; exit 2 ;;
esac
