/**
 * The jrnn command. Internal: not part of jrnn's library API; it may change in any release.
 */
package jrnn.cli;
