package sim

import (
	"fmt"
	"os"
	"path/filepath"
)

// tempPattern names the temp files a save of path writes first.
func tempPattern(path string) string { return "." + filepath.Base(path) + ".tmp*" }

// writeAtomic replaces path with data so that a crash at any point leaves
// either the old file or the new one, whole: the data goes to a temp file
// in the same directory, is synced, renamed over path, and the directory is
// synced so the rename itself survives a power cut. A failed save removes
// its temp file.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPattern(path))
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// removeOrphans deletes the temp files of saves that never finished (the
// process was killed mid-way), so repeated kills do not fill the disk.
func removeOrphans(path string) {
	orphans, _ := filepath.Glob(filepath.Join(filepath.Dir(path), tempPattern(path)))
	for _, o := range orphans {
		os.Remove(o)
	}
}
