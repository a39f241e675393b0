/** Line charts written as PNG files. */
package jrnn.plot;
