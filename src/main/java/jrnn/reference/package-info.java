/** The double-precision reference model written from the equations, and the finite-difference gradient checks. */
package jrnn.reference;
