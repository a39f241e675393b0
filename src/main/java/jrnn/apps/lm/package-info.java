/** Language models at word and character level (SPEC 6.4). */
package jrnn.apps.lm;
