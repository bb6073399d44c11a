package short

import (
	"fmt"
	"os"
	"strings"

	"github.com/hodbuild/hod/container/state"
	"github.com/hodbuild/hod/internal/failpoint"
	"github.com/hodbuild/hod/storage/catalog"
	"github.com/spf13/cobra"
)

// configFlags are "hod config"'s flags; each set flag becomes state.Changes.
type configFlags struct {
	entrypoint, cmd, workingDir, user, author, createdBy, comment, historyComment    string
	stopSignal, shell, arch, os, osVersion, variant, hostname, domainname            string
	env, labels, unsetLabels, annotations, unsetAnnotations, ports, volumes, onBuild []string
	osFeatures                                                                       []string
	health                                                                           healthFlags
}

// NewConfig returns "hod config".
func NewConfig(env Env) *cobra.Command {
	var o configFlags
	cmd := &cobra.Command{
		Use:   "config [flags] CONTAINER",
		Short: "Change the image configuration of a working container",
		Long: "Change the configuration the next commit of CONTAINER writes. --entrypoint, --cmd and --shell take\n" +
			"a JSON array (exec form) or a string run by the shell (shell form), as in a Dockerfile.\n" +
			"With --add-history (or $BUILDAH_HISTORY=true) each setting also records an empty-layer history\n" +
			"entry, as buildah does (\"/bin/sh -c #(nop) ENV A=1\").",
		Example: `  hod config --entrypoint '["/usr/bin/app"]' --cmd '--help' "$ctr"
  hod config --env PATH=/usr/bin:/bin --env DEBUG- --label org.example=x --port 8080/tcp "$ctr"
  hod config --user 1000:1000 --workingdir /srv --healthcheck 'CMD-SHELL wget -q -O- localhost' "$ctr"`,
		Args: Args(1, 1, "container ID must be specified", TooMany),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := env.Catalog()
			if err != nil {
				return err
			}
			// Read, changed and written under the container store's lock:
			// two configs of one container both land, and a container
			// removed meanwhile is not written back into being.
			return cat.UpdateContainers(func(all []catalog.Container) error {
				st, sc, err := catalog.FindWorking(cat, all, args[0])
				if err != nil {
					return err
				}
				changes, err := o.changes(cmd, st.Docker.Shell)
				if err != nil {
					return err
				}
				st.ApplyQuietly(changes...)
				if AddHistory(cmd) {
					st.AddHistory(o.history(cmd.Flags().Changed)...)
				}
				failpoint.Hit("config-before-write")
				return st.Write(cat.ContainerDir(sc.ID))
			})
		},
	}
	f := cmd.Flags()
	f.Bool("add-history", false, "record each setting in the image's history (default $BUILDAH_HISTORY)")
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
func (o configFlags) changes(cmd *cobra.Command, shell []string) ([]state.Change, error) {
	set := cmd.Flags().Changed
	out, err := o.commandChanges(set, shell)
	if err != nil {
		return nil, err
	}
	for _, e := range o.env {
		ch, err := state.ParseEnv(e)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	for _, l := range o.labels {
		out = append(out, state.ParseLabel(l, state.Label, state.UnsetLabel, state.ClearLabels()))
	}
	for _, a := range o.annotations {
		out = append(out, state.ParseLabel(a, state.Annotation, state.UnsetAnnotation, state.ClearAnnotations()))
	}
	out = append(out, state.Each(o.unsetLabels, state.UnsetLabel)...)
	out = append(out, state.Each(o.unsetAnnotations, state.UnsetAnnotation)...)
	for _, p := range o.ports {
		ch, err := state.ParsePort(p)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	if err := state.CheckStopSignal(o.stopSignal); set("stop-signal") && err != nil {
		return nil, err
	}
	out = append(out, state.Each(o.volumes, state.ParseVolume)...)
	out = append(out, state.Each(o.osFeatures, state.OSFeature)...)
	out = append(out, state.Each(o.onBuild, state.OnBuild)...)
	for _, s := range []struct {
		name   string
		change func(string) state.Change
		value  string
	}{
		{"workingdir", state.WorkDir, o.workingDir}, {"user", state.User, o.user},
		{"stop-signal", state.StopSignal, o.stopSignal}, {"author", state.Author, o.author},
		{"created-by", state.CreatedBy, o.createdBy}, {"comment", state.Comment, o.comment},
		{"history-comment", state.HistoryComment, o.historyComment}, {"arch", state.Arch, o.arch},
		{"os", state.OS, o.os}, {"os-version", state.OSVersion, o.osVersion}, {"variant", state.Variant, o.variant},
		{"hostname", state.Hostname, o.hostname}, {"domainname", state.Domainname, o.domainname},
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
func (o configFlags) commandChanges(set func(string) bool, shell []string) ([]state.Change, error) {
	var out []state.Change
	if set("shell") {
		argv, err := state.ParseCmd(o.shell)
		if err != nil {
			return nil, err
		}
		out, shell = append(out, state.Shell(argv)), argv
	}
	if set("entrypoint") {
		argv, err := state.ParseCommand(o.entrypoint, shell)
		if err != nil {
			return nil, err
		}
		out = append(out, state.Entrypoint(argv))
	}
	if set("cmd") {
		argv, err := state.ParseCmd(o.cmd)
		if err != nil {
			return nil, err
		}
		out = append(out, state.Cmd(argv))
	}
	return out, nil
}

// AddHistory is --add-history, else $BUILDAH_HISTORY ("true" or "1"), as
// buildah decides whether config and copy record history.
func AddHistory(cmd *cobra.Command) bool {
	if cmd.Flags().Changed("add-history") {
		v, _ := cmd.Flags().GetBool("add-history")
		return v
	}
	v := os.Getenv("BUILDAH_HISTORY")
	return strings.EqualFold(v, "true") || v == "1"
}

// history is what buildah 1.28's config records with --add-history: one
// entry per setting, in its order, with the values as given.
func (o configFlags) history(set func(string) bool) []string {
	var out []string
	add := func(flag, format string, args ...any) {
		if flag == "" || set(flag) {
			out = append(out, "/bin/sh -c #(nop) "+fmt.Sprintf(format, args...))
		}
	}
	add("user", "USER %s", o.user)
	add("shell", "SHELL %s", o.shell)
	add("stop-signal", "STOPSIGNAL %s", o.stopSignal)
	add("port", "EXPOSE %s", strings.Join(o.ports, " "))
	// buildah records an ENV entry whether or not --env was given.
	add("", "ENV %s", strings.Join(o.env, " "))
	add("entrypoint", "ENTRYPOINT %s", o.entrypoint)
	add("cmd", "CMD %s", o.cmd)
	for _, v := range o.volumes {
		add("volume", "VOLUME %s", v)
	}
	add("healthcheck", "HEALTHCHECK %s", o.health.test)
	add("label", "LABEL %s", strings.Join(o.labels, " "))
	add("workingdir", "WORKDIR %s", o.workingDir)
	for _, v := range o.onBuild {
		add("onbuild", "ONBUILD %s", v)
	}
	return out
}
