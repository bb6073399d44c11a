package cmd

import "fmt"

// humanSize prints a byte count as buildah does ("1.23 MB", decimal units).
func humanSize(n int64) string {
	if n < 0 {
		return "unknown"
	}
	units := []string{"B", "kB", "MB", "GB", "TB"}
	f, i := float64(n), 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	return fmt.Sprintf("%.3g %s", f, units[i])
}
