module example.com/{{name}}

go 1.24

require github.com/kubefuncs/kubefuncs/clients/go v0.0.0

// The Kubefuncs Go client is not published as a module of its own yet: it is taken from a
// kubefuncs checkout. Change the path if the checkout moves.
replace github.com/kubefuncs/kubefuncs/clients/go => {{goClient}}
