package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// checkStateFile fails the start when the state file could not be saved
// at stop: by then (docker stop, with --rm) the message would be lost.
// State is saved atomically (a new file renamed over the old), so what
// matters is that this process can create files in the directory; in the
// image it runs as user 65532, which a bind-mounted host directory
// usually does not let in.
func checkStateFile(path, from string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%s %s: the directory %s: %v (create it, or mount a volume there)", from, path, dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s %s: %s is not a directory", from, path, dir)
	}
	probe, err := os.CreateTemp(dir, ".panelsim-write-check-*")
	if err != nil {
		return fmt.Errorf("%s %s: this process (uid %d) cannot create files in %s, so the state could not be saved at stop; "+
			"make the directory writable for it: run the container as the directory's owner (docker run --user \"$(id -u):$(id -g)\"), "+
			"or mount a volume it can write (docker run -v panelsim-state:/data)", from, path, os.Getuid(), dir)
	}
	probe.Close()
	return os.Remove(probe.Name())
}
