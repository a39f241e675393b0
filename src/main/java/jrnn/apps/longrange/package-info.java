/** The adding problem against sequence length for every cell type (SPEC section 2). */
package jrnn.apps.longrange;
