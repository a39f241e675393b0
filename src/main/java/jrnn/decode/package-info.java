/** Drawing outputs from a model: sampling with temperature and top-k. */
package jrnn.decode;
