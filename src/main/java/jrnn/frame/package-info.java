/**
 * The frame every application stands on: settings declared once (options, presets, model-file
 * properties, checks and the effective configuration all come from the declaration), one
 * training run (epochs, validation checks, the best model kept, checkpoints and resume, early
 * stopping, a time budget, telemetry and curves) and one model file format. An application
 * supplies its data, batches, model, loss and validation figure; docs/frame.md says how one
 * plugs in.
 *
 * <p>Entry points: an application declares its settings in a {@link SettingsSchema} of
 * {@link Setting}s (the shared ones in {@link CommonSettings}) and reads their values from
 * {@link Settings}; its model is a {@link TrainedModel} (a {@link TokenModel} when it reads tokens
 * through one vocabulary); it hands a {@link TrainingTask} to {@link TrainingRun}, which trains,
 * validates by the task's {@link Metric}, keeps the best model and records the run in a
 * {@link RunHistory}; {@link AppFile} is the model file every application writes and reads. The
 * frame implements no SPEC equation; {@link CommonSettings#trainingConfig} turns the shared
 * settings into SPEC section 2's remedies for explosion (clipping by global norm, weight decay).
 */
package jrnn.frame;
