/** SGD, momentum, Nesterov and Adam; gradient clipping by global norm and by value; weight decay; learning-rate schedules. */
package jrnn.optim;
