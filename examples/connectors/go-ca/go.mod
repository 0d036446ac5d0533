module certctl.example/go-ca

go 1.19
