"""Streamlit rendering shared by the app's pages. Only this package and the page scripts import streamlit."""
