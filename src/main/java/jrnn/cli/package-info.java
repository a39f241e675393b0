/** The jrnn command. */
package jrnn.cli;
