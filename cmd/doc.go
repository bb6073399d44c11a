// Package cmd holds hod's cobra commands: one file per verb, each parsing
// flags and calling one library function. It is the only package that
// imports cobra or chooses output streams.
package cmd
