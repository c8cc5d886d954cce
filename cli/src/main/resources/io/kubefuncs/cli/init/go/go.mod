module example.com/{{name}}

go 1.26

require github.com/kubefuncs/kubefuncs/clients/go v0.0.0

// The Kubefuncs Go client is not published as a module of its own yet: this project carries the
// copy it was made with. To take a newer one, replace the folder with that of a fresh
// `kubefuncs init --lang go`, then run `go mod tidy`.
replace github.com/kubefuncs/kubefuncs/clients/go => ./third_party/kubefuncs-go
