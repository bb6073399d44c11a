package cmd

import (
	"github.com/hodbuild/hod/container"
	"github.com/spf13/cobra"
)

// configFlags are "hod config"'s flags; each set flag becomes container.Changes.
type configFlags struct {
	entrypoint, cmd, workingDir, user, author, createdBy, comment, historyComment    string
	stopSignal, shell, arch, os, osVersion, variant, hostname, domainname            string
	env, labels, unsetLabels, annotations, unsetAnnotations, ports, volumes, onBuild []string
	osFeatures                                                                       []string
	health                                                                           healthFlags
}

// NewConfig returns "hod config".
func NewConfig(g *globals) *cobra.Command {
	var o configFlags
	cmd := &cobra.Command{
		Use:   "config [flags] CONTAINER",
		Short: "Change the image configuration of a working container",
		Long: "Change the configuration the next commit of CONTAINER writes. --entrypoint, --cmd and --shell take\n" +
			"a JSON array (exec form) or a string run by the shell (shell form), as in a Dockerfile.\n" +
			"Each call records one empty-layer history entry, as the matching Dockerfile instruction does.",
		Example: `  hod config --entrypoint '["/usr/bin/app"]' --cmd '--help' "$ctr"
  hod config --env PATH=/usr/bin:/bin --env DEBUG- --label org.example=x --port 8080/tcp "$ctr"
  hod config --user 1000:1000 --workingdir /srv --healthcheck 'CMD-SHELL wget -q -O- localhost' "$ctr"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.Store()
			if err != nil {
				return err
			}
			c, err := container.Open(store, args[0])
			if err != nil {
				return err
			}
			changes, err := o.changes(cmd, c.Docker.Shell)
			if err != nil {
				return err
			}
			return c.Apply(changes...)
		},
	}
	f := cmd.Flags()
	f.Bool("add-history", false, "accepted for buildah compatibility: hod records history anyway")
	f.StringVar(&o.entrypoint, "entrypoint", "", "entrypoint: JSON array or shell form")
	f.StringVar(&o.cmd, "cmd", "", "default command: JSON array or shell form")
	f.StringArrayVarP(&o.env, "env", "e", nil, "set KEY=VALUE, or remove KEY- (repeatable)")
	f.StringArrayVarP(&o.labels, "label", "l", nil, "set label KEY=VALUE (repeatable)")
	f.StringArrayVar(&o.unsetLabels, "unsetlabel", nil, "remove label KEY (repeatable)")
	f.StringArrayVarP(&o.annotations, "annotation", "a", nil, "set manifest annotation KEY=VALUE (repeatable)")
	f.StringArrayVar(&o.unsetAnnotations, "unsetannotation", nil, "remove manifest annotation KEY (repeatable)")
	f.StringArrayVarP(&o.ports, "port", "p", nil, "expose PORT[/PROTO] (repeatable)")
	f.StringArrayVarP(&o.volumes, "volume", "v", nil, "declare a volume PATH (repeatable)")
	f.StringVar(&o.workingDir, "workingdir", "", "working directory")
	f.StringVarP(&o.user, "user", "u", "", "USER[:GROUP] commands run as")
	f.StringVar(&o.author, "author", "", "image author")
	f.StringVar(&o.createdBy, "created-by", "", "description of how the next committed layer was made")
	f.StringVar(&o.comment, "comment", "", "image comment (docker format)")
	f.StringVar(&o.historyComment, "history-comment", "", "comment of the next committed layer's history entry")
	f.StringVar(&o.stopSignal, "stop-signal", "", "signal that stops containers of the image")
	f.StringVar(&o.shell, "shell", "", "shell for shell-form commands, as a JSON array (docker format)")
	f.StringArrayVar(&o.onBuild, "onbuild", nil, "ONBUILD trigger instruction (repeatable, docker format)")
	f.StringVar(&o.arch, "arch", "", "image architecture")
	f.StringVar(&o.os, "os", "", "image operating system")
	f.StringVar(&o.osVersion, "os-version", "", "image operating system version")
	f.StringArrayVar(&o.osFeatures, "os-feature", nil, "required operating system feature; NAME- removes it (repeatable)")
	f.StringVar(&o.variant, "variant", "", "image architecture variant")
	f.StringVar(&o.hostname, "hostname", "", "default hostname (docker format)")
	f.StringVar(&o.domainname, "domainname", "", "default domain name (docker format)")
	addHealthFlags(cmd, &o.health)
	return cmd
}

// changes turns the flags that were set into Changes, in a fixed order so
// the history entry is the same whatever the order on the command line.
func (o configFlags) changes(cmd *cobra.Command, shell []string) ([]container.Change, error) {
	set := cmd.Flags().Changed
	out, err := o.commandChanges(set, shell)
	if err != nil {
		return nil, err
	}
	for _, e := range o.env {
		ch, err := container.ParseEnv(e)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	for _, kv := range []struct {
		what   string
		values []string
		change func(string, string) container.Change
	}{{"label", o.labels, container.Label}, {"annotation", o.annotations, container.Annotation}} {
		for _, v := range kv.values {
			key, value, err := container.ParseKeyValue(kv.what, v)
			if err != nil {
				return nil, err
			}
			out = append(out, kv.change(key, value))
		}
	}
	out = append(out, container.Each(o.unsetLabels, container.UnsetLabel)...)
	out = append(out, container.Each(o.unsetAnnotations, container.UnsetAnnotation)...)
	for _, p := range o.ports {
		if err := container.CheckPort(p); err != nil {
			return nil, err
		}
	}
	if err := container.CheckStopSignal(o.stopSignal); set("stop-signal") && err != nil {
		return nil, err
	}
	out = append(out, container.Each(o.ports, container.Port)...)
	out = append(out, container.Each(o.volumes, container.Volume)...)
	out = append(out, container.Each(o.osFeatures, container.OSFeature)...)
	out = append(out, container.Each(o.onBuild, container.OnBuild)...)
	for _, s := range []struct {
		name   string
		change func(string) container.Change
		value  string
	}{
		{"workingdir", container.WorkDir, o.workingDir}, {"user", container.User, o.user},
		{"stop-signal", container.StopSignal, o.stopSignal}, {"author", container.Author, o.author},
		{"created-by", container.CreatedBy, o.createdBy}, {"comment", container.Comment, o.comment},
		{"history-comment", container.HistoryComment, o.historyComment}, {"arch", container.Arch, o.arch},
		{"os", container.OS, o.os}, {"os-version", container.OSVersion, o.osVersion}, {"variant", container.Variant, o.variant},
		{"hostname", container.Hostname, o.hostname}, {"domainname", container.Domainname, o.domainname},
	} {
		if set(s.name) {
			out = append(out, s.change(s.value))
		}
	}
	hc, err := o.health.change(cmd)
	if hc != nil {
		out = append(out, *hc)
	}
	return out, err
}

// commandChanges parses --shell, --entrypoint and --cmd as buildah does:
// JSON arrays, else --entrypoint runs by the shell (a new --shell of the
// same call counts) and --shell and --cmd are split into words.
func (o configFlags) commandChanges(set func(string) bool, shell []string) ([]container.Change, error) {
	var out []container.Change
	if set("shell") {
		argv, err := container.ParseCmd(o.shell)
		if err != nil {
			return nil, err
		}
		out, shell = append(out, container.Shell(argv)), argv
	}
	if set("entrypoint") {
		argv, err := container.ParseCommand(o.entrypoint, shell)
		if err != nil {
			return nil, err
		}
		out = append(out, container.Entrypoint(argv))
	}
	if set("cmd") {
		argv, err := container.ParseCmd(o.cmd)
		if err != nil {
			return nil, err
		}
		out = append(out, container.Cmd(argv))
	}
	return out, nil
}
