/**
 * A model's parameters and their gradients: two flat float32 buffers with a named view of each
 * parameter, their layout, and the initialisers.
 *
 * <p>{@link ParamLayout} gives every parameter its name, shape and offset in the flat buffers,
 * with PyTorch's names ({@code rnn.weight_ih_l0}, {@code rnn.weight_hh_l1_reverse},
 * {@code embedding.weight}; docs/parameters.md lists them all). {@link Parameters} holds the values
 * and gradients laid out that way; optimizers, clipping, checkpoints and gradient checks loop over
 * the flat buffers, layers read named views, and {@link Parameters#freeze()} promises the values do
 * not change while inference passes share them. {@link Init} draws initial values from a seeded
 * {@link jrnn.util.Rng}. The matrices here are the SPEC's U, W, V and b (8-1 .. 8-3) and the gate
 * weights of 8-25 .. 8-38, in PyTorch's layout: {@code weight_ih} [gates*H, X],
 * {@code weight_hh} [gates*H, H].
 */
package jrnn.params;
