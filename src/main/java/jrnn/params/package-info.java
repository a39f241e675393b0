/** A model's parameters and gradients: two flat buffers with named views, their layout and initialisers. */
package jrnn.params;
