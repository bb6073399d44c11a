package cmd

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profiles are buildah's hidden --cpu-profile and --memory-profile: a
// pprof CPU profile of the whole call, and a heap profile at its end.
type profiles struct {
	cpu, memory string
	cpuFile     *os.File
}

func (p *profiles) flags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&p.cpu, "cpu-profile", "", "`file` to write CPU profile")
	f.StringVar(&p.memory, "memory-profile", "", "`file` to write memory profile")
	_ = f.MarkHidden("cpu-profile")
	_ = f.MarkHidden("memory-profile")
}

// start begins the CPU profile, if asked for.
func (p *profiles) start() error {
	if p.cpu == "" {
		return nil
	}
	f, err := os.Create(p.cpu)
	if err != nil {
		return fmt.Errorf("could not create CPU profile %s: %w", p.cpu, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("could not start CPU profile: %w", err)
	}
	p.cpuFile = f
	return nil
}

// stop ends the CPU profile and writes the heap profile.
func (p *profiles) stop() error {
	if p.cpuFile != nil {
		pprof.StopCPUProfile()
		p.cpuFile.Close()
		p.cpuFile = nil
	}
	if p.memory == "" {
		return nil
	}
	f, err := os.Create(p.memory)
	if err != nil {
		return fmt.Errorf("could not create memory profile %s: %w", p.memory, err)
	}
	defer f.Close()
	runtime.GC()
	return pprof.WriteHeapProfile(f)
}
