//go:build !unix

package host

// fileOwner cannot tell a file's owner here.
func fileOwner(string) (int, error) { return 0, errNoPeerCred }
