package storeconf

// Options are the global storage and registry settings (buildah's global
// flags). The zero value means "use storage.conf and containers/image
// defaults".
type Options struct {
	Root, RunRoot      string
	Driver             string
	DriverOpts         []string
	RegistriesConf     string
	RegistriesConfDir  string
	ShortNameAliasConf string
	SignaturePolicy    string
}
