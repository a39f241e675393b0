/** Sentence polarity classification (SPEC 6.1). */
package jrnn.apps.sentiment;
