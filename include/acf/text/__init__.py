"""Text generation: the offline writer, model providers, structured output, cache and cost ledger.

Plain Python, no Airflow. Remote providers come from the hooks in
``plugins/hooks`` (groq, openai, anthropic) through a resolver; the ``local``
writer needs no key and no network and ends every tier's chain.
"""
