// Package sweep runs grids of scenario variants × seeds beyond one
// process: it plans a grid into a manifest, runs any shard of it on any
// machine, and merges the results with confidence intervals over seeds.
//
// How a caller uses it:
//
//  1. ReadGrid parses a grid file (scenario, shared settings, --vary axes,
//     seeds, metrics) and Plan expands it into Lines, one per run, each
//     carrying what rebuilds its scenario (a built-in's name, or a file's
//     text) and the content Hash of the resolved scenario, seed included.
//     WriteManifest writes them as JSON Lines.
//  2. ParseShard picks a shard from a flag or the engine's environment
//     (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, PARALLEL_SEQ), and Run
//     runs the lines the shard owns through model.Run, writing
//     <hash>.json for each atomically.
//  3. Merge reads a results directory, checks that every line of one
//     manifest is there exactly once, and returns a Summary: per variant
//     and metric, the mean over seeds and its 95% Student t interval.
//
// Invariants: a line's result is a function of the line alone (each run
// is a deterministic simulation, and a result holds nothing of the machine
// that ran it), so running shards in any order, twice, or on different
// machines gives the same files, and Merge the same Summary. Run refuses a
// line whose scenario resolves to another hash here than when planned (a
// different build or an edited line), rather than mixing results. An
// existing complete result is never recomputed: retries are cheap.
//
// The package reaches the model only through model.Run and model.Results.
// The --vary axis syntax and aliases live here and are shared with
// `mqsim run --vary`.
package sweep
