using MLNet.UNet.Segment;

namespace MLNet.UNet.Tests;

/// <summary>The retry around ML.NET's Model.Load for its random ".ort" temporary file name (SavedModelLoader).</summary>
public class SavedModelLoaderTests
{
    // As ML.NET reported it in this project's CI (Microsoft.ML.OnnxTransformer 5.0.1, ONNX Runtime 1.31).
    static readonly Exception RandomOrtNameFault = new InvalidOperationException("Error during class instantiation",
        new InvalidOperationException("Error initializing model :Microsoft.ML.OnnxRuntime.OnnxRuntimeException: [ErrorCode:Fail] " +
                                      "inference_session.cc:2226 operator() ORT model verification failed."));

    [Fact]
    public void ALoadThatOnnxRuntimeTookForAnOrtFileIsTriedAgainAndNoOtherFailureIs()
    {
        int calls = 0;
        Assert.Equal(7, SavedModelLoader.Retrying(() => ++calls < 3 ? throw RandomOrtNameFault : 7));
        Assert.Equal(3, calls);

        calls = 0;
        Assert.Same(RandomOrtNameFault, Assert.ThrowsAny<Exception>(() => SavedModelLoader.Retrying<int>(() => { calls++; throw RandomOrtNameFault; })));
        Assert.Equal(3, calls); // three names in a row ending ".ort" (1 in 3.5e13) is not this fault

        calls = 0;
        var notAModel = new InvalidDataException("not a model zip");
        Assert.Same(notAModel, Assert.Throws<InvalidDataException>(() => SavedModelLoader.Retrying<int>(() => { calls++; throw notAModel; })));
        Assert.Equal(1, calls);
    }
}
