// Package simtest holds what tests in several packages need to run a bot against
// the simulator: a started platform, a REST client for it, a deadline, and a log
// recorder a test can wait on instead of sleeping. It is imported only by tests.
package simtest
