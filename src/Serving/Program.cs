using MLNet.UNet.Serving;

// The segmentation service: POST /segment, POST /segment-volume, GET /models, GET /health and the page at /.
// Usage (from the repository's root): dotnet run -c Release --project src/Serving [-- --urls http://127.0.0.1:5080]
ServingApp.Create(args).Run();
