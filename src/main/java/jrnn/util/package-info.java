/**
 * The one seeded random generator.
 *
 * <p>Every random draw of jrnn (initial weights, shuffles, dropout masks, augmentations, samples)
 * goes through a {@link Rng} made from a seed, so that the same seed gives the same run on every
 * JDK; {@link Rng#split()} gives a component a generator of its own. No SPEC equation lives here.
 */
package jrnn.util;
