/** One time step of each recurrent cell, forward and backward, on a block of a batch's rows (SPEC 8-1 .. 8-38). */
package jrnn.cells;
