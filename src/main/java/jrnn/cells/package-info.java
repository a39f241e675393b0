/**
 * One time step of each recurrent cell, forward and backward, on a block of a batch's rows, in
 * float32: the fast cells the layers of {@link jrnn.layers} unroll over time.
 *
 * <p>{@link RecurrentCell} is the base of every cell and its factory ({@link RecurrentCell#create});
 * it also runs the parts that treat all T steps at once as single matrix products. {@link CellType}
 * names the kinds of cell (with the names the command line and model files use) and
 * {@link ParamNames} the names of their parameters. The concrete cells, {@code SimpleRnnCell},
 * {@code LstmCell} and {@code GruCell}, are package-private: they are made through
 * {@link RecurrentCell#create}. The element-wise gate math of a step lives in {@link jrnn.kernels}
 * ({@link jrnn.kernels.Kernels}: {@link jrnn.kernels.ScalarKernels} in plain loops,
 * {@link jrnn.kernels.VectorKernels} on SIMD lanes), the products in {@link jrnn.kernels.Blas}.
 *
 * <p>Where the SPEC equations live:
 * <ul>
 *   <li>8-1, 8-2 (simple RNN, h_t = f(U h_{t-1} + W x_t + b)) and its backward delta 8-14:
 *       {@code SimpleRnnCell}, {@link CellType.Simple}.</li>
 *   <li>8-17 .. 8-19 (the gradients of U, W and b, summed over steps): {@link RecurrentCell},
 *       {@link RecurrentCell#recurrentGradients} and {@link RecurrentCell#inputGradients}.</li>
 *   <li>8-25 .. 8-30 (LSTM), 8-31 .. 8-33 (peephole connections), 8-34 (coupled gates, CIFG):
 *       {@code LstmCell}, {@link CellType.Lstm}.</li>
 *   <li>8-35 .. 8-38 (GRU, with the reset before or after the recurrent product):
 *       {@code GruCell}, {@link CellType.Gru}.</li>
 * </ul>
 *
 * <p>New to the code? Read the reference cells first. {@link jrnn.reference.ReferenceCell}
 * ({@link jrnn.reference.ReferenceCell.SimpleRnn}, {@link jrnn.reference.ReferenceCell.Lstm},
 * {@link jrnn.reference.ReferenceCell.Gru}) and {@link jrnn.reference.ReferenceModel} compute the
 * same steps in plain double precision, one sequence at a time, with loops that read like the
 * equations (the lines tagged with their equation numbers). They are the twin the fast cells are
 * tested against: finite differences check the reference's gradients, and
 * {@link jrnn.reference.EngineComparison} holds the fast engine to the reference.
 */
package jrnn.cells;
