/**
 * Line charts written as PNG files. Internal: not part of jrnn's library API; it may change in
 * any release.
 */
package jrnn.plot;
