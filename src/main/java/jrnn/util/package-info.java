/** The one seeded random generator that every draw goes through. */
package jrnn.util;
