/**
 * The adding problem against sequence length for every cell type (SPEC section 2). Internal: not
 * part of jrnn's library API; it may change in any release.
 */
package jrnn.apps.longrange;
