/**
 * The frame every application stands on: settings declared once (options, presets, model-file
 * properties, checks and the effective configuration all come from the declaration), one
 * training run (epochs, validation checks, the best model kept, checkpoints and resume, early
 * stopping, a time budget, telemetry and curves) and one model file format. An application
 * supplies its data, batches, model, loss and validation figure; docs/frame.md says how one
 * plugs in.
 */
package jrnn.frame;
