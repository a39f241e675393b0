/** Machine translation (SPEC 8.5): an encoder-decoder with attention on subwords, judged by BLEU. */
package jrnn.apps.translate;
