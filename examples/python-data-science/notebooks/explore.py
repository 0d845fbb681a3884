"""A first look at a data set: the template's libraries, ready to import."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression

rng = np.random.default_rng(7)
df = pd.DataFrame({"x": rng.uniform(0, 10, 200)})
df["y"] = 3 * df["x"] + rng.normal(0, 2, len(df))

model = LinearRegression().fit(df[["x"]], df["y"])
print(f"slope {model.coef_[0]:.2f}, intercept {model.intercept_:.2f}")

df.plot.scatter(x="x", y="y").figure.savefig("scatter.png")
plt.close("all")
